"""The command line `rag`: the interface floor beside HTTP (`api.app`)."""
