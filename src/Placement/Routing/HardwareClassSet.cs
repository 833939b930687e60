using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Routing;

/// <summary>A small set of hardware classes (a bit per class), e.g. the pools whose rate limit a tenant exhausted.</summary>
public readonly record struct HardwareClassSet(int Bits)
{
    /// <summary>The empty set.</summary>
    public static HardwareClassSet None => default;

    /// <summary>The set holding <paramref name="hardwareClass"/>.</summary>
    public static HardwareClassSet Of(HardwareClass hardwareClass) => new(1 << (int)hardwareClass);

    /// <summary>Whether the set holds <paramref name="hardwareClass"/>.</summary>
    public bool Contains(HardwareClass hardwareClass) => (Bits & (1 << (int)hardwareClass)) != 0;

    /// <summary>This set plus <paramref name="hardwareClass"/>.</summary>
    public HardwareClassSet With(HardwareClass hardwareClass) => new(Bits | (1 << (int)hardwareClass));

    /// <summary>Whether the set is empty.</summary>
    public bool IsEmpty => Bits == 0;
}
