namespace ControlPlane.Silos.Hosting;

/// <summary>How silos find each other.</summary>
public enum ClusterProvider
{
    /// <summary>One silo on this machine (the embedded default).</summary>
    Localhost,

    /// <summary>Membership in Redis: several silos, on one machine or many, form one cluster.</summary>
    Redis,
}

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

    /// <summary>How silos find each other: <c>Localhost</c> (default) or <c>Redis</c>.</summary>
    public ClusterProvider Provider { get; set; } = ClusterProvider.Localhost;

    /// <summary>
    /// The address other silos reach this one at (with <c>Redis</c>). Default 127.0.0.1: every silo on one
    /// machine; set the host's own address for a cluster across machines.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>Redis settings, used when <see cref="Provider"/> is <c>Redis</c>.</summary>
    public RedisClusterOptions Redis { get; set; } = new();
}

/// <summary>Where the cluster's membership table lives.</summary>
public sealed class RedisClusterOptions
{
    /// <summary>A StackExchange.Redis connection string, e.g. <c>redis-1:6379,password=...</c>.</summary>
    public string ConnectionString { get; set; } = "";
}
