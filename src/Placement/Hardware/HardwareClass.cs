namespace ControlPlane.Placement.Hardware;

/// <summary>The two kinds of schedulable hardware (DESIGN.md §3).</summary>
public enum HardwareClass
{
    /// <summary>A wafer-scale system whose weights live in on-chip SRAM.</summary>
    WaferScale = 1,

    /// <summary>A node of GPUs with HBM.</summary>
    Gpu = 2,
}
