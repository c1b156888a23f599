"""webchat-contract: the contract and compliance suite for the WebChat deployments API."""

__version__ = "0.1.0"
