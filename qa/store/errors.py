"""Store errors.

    StoreError
    ├── StoreUnavailable   the database cannot be reached or refused the operation
    ├── SchemaMismatch     the database holds another schema version (or none: run `hotline db init`)
    ├── CallNotFound       no call with that sid
    └── StateConflict      another worker updated the call's state first
"""


class StoreError(RuntimeError):
    """Root of the store's errors."""


class StoreUnavailable(StoreError):
    pass


class SchemaMismatch(StoreError):
    pass


class CallNotFound(StoreError, LookupError):
    pass


class StateConflict(StoreError):
    pass
