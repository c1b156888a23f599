"""``python -m webchat_contract.reference.faults``: prints the golden fault -> requirements file."""

from webchat_contract.reference.faults import golden_text

print(golden_text(), end="")
