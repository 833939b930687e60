namespace ControlPlane.Grains.Fleet;

/// <summary>Names of the grain storage providers the fleet grains use; the silo binds them to a backend.</summary>
public static class FleetStorage
{
    /// <summary>Storage of accelerator and node records.</summary>
    public const string Name = "fleet";
}
