from .organisation import Organisation, OrganisationKind
from .membership import Membership, Role
from .token import ApiToken

__all__ = ["ApiToken", "Membership", "Organisation", "OrganisationKind", "Role"]
