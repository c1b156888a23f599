"""The 8 operations of schemas/openapi.yaml under short names, for code that calls one in particular.

Only names: method, path, permission and models come from the document (``spec.operation``).
"""

from .spec import operation

LIST = operation("getWebchatDeployments")
CREATE = operation("postWebchatDeployments")
GET = operation("getWebchatDeployment")
UPDATE = operation("putWebchatDeployment")
DELETE = operation("deleteWebchatDeployment")
GET_SETTINGS = operation("getWebchatSettings")
PUT_SETTINGS = operation("putWebchatSettings")
DELETE_SETTINGS = operation("deleteWebchatSettings")
