"""istziio: read Parquet objects and datasets through an istziio cache cluster.

    import istziio
    client = istziio.connect(["grpc+tcp://10.0.0.1:8815"])
    table = client.read_table("s3://data/trips/", columns=["year", "fare"], filter="year = 2024")
    df = table.to_pandas()

Each read asks any node for the files' owners and streams every file straight from its owner,
several files at once, failing over to a replica when a node is lost.
"""
from .client import Client, connect
from .errors import (IstziioError, InvalidRequestError, NotFoundError, ResourceExhaustedError,
                     StoreUnavailableError, UnauthenticatedError, UnauthorizedError,
                     UnavailableError, UnimplementedError)

__version__ = "0.1.0"

__all__ = [
    "connect", "Client", "IstziioError", "InvalidRequestError", "NotFoundError",
    "UnavailableError", "StoreUnavailableError", "UnauthenticatedError", "UnauthorizedError",
    "ResourceExhaustedError", "UnimplementedError",
]
