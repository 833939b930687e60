namespace ControlPlane.Placement.Hardware;

/// <summary>Where model weights and KV cache live on an accelerator.</summary>
public enum MemoryKind
{
    /// <summary>On-chip SRAM (wafer-scale systems).</summary>
    Sram = 1,

    /// <summary>High-bandwidth memory next to each GPU.</summary>
    Hbm = 2,
}
