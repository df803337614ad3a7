# The torch whose API c2m's tables translate: what this port answers when the code asks which torch it runs on.
C2M_TORCH_VERSION = "2.13.0"


def c2m_find_spec(name, package=None):
    """importlib.util.find_spec, where torch counts as installed: this port runs the code's torch paths, in MLX."""
    # (helpers import nothing at their top: they are pasted below the output's own imports)
    importlib = __import__("importlib.util")
    __import__("importlib.machinery")
    if name == "torch":
        return importlib.machinery.ModuleSpec("torch", None)
    return importlib.util.find_spec(name, package)


def c2m_package_version(name):
    """importlib.metadata.version, where torch is the version c2m translated the code against."""
    if name == "torch":
        return C2M_TORCH_VERSION
    return __import__("importlib.metadata").metadata.version(name)
