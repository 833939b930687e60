namespace ControlPlane.Silos.Hosting;

/// <summary>How the silo joins its Orleans cluster. Bound from <c>ControlPlane:Cluster</c>.</summary>
public sealed class SiloClusterOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Cluster";

    /// <summary>Orleans cluster id; silos with the same id form one cluster. Default "controlplane-dev".</summary>
    public string ClusterId { get; set; } = "controlplane-dev";

    /// <summary>Orleans service id; stays the same across deployments so stored state is found. Default "controlplane".</summary>
    public string ServiceId { get; set; } = "controlplane";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Orleans client gateway port. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;
}
