def ops_device(type, index=None):
    """torch.device: MLX has one unified memory, so a device is its name ("cuda:0"), still a str; .type and
    .index read it as torch's do (code that asks `device.type == "cuda"` keeps working)."""

    class Device(str):
        @property
        def type(self):
            return self.split(":")[0]

        @property
        def index(self):
            parts = self.split(":")
            return int(parts[1]) if len(parts) > 1 else None

    return Device(str(type) if index is None else f"{type}:{index}")
