namespace ControlPlane.Grains.Deployments;

/// <summary>
/// How deployments keep their replicas: how often they reconcile, how long a load may take, and when they
/// scale on load. Bound from the <c>ControlPlane:Deployments</c> configuration section.
/// </summary>
public sealed class DeploymentOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "ControlPlane:Deployments";

    /// <summary>How often each deployment compares its replicas with what it wants. Default 2 s.</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a replica may stay loading (from its first load command, or from when its agent started
    /// loading it again) before it is marked failed, reported, and replaced on other hardware where there
    /// is room. Covers agents that never acknowledge the load or never report the weights loaded; set it
    /// above the slowest real weight load (a 405B model from local NVMe takes minutes). Default 15 minutes.
    /// </summary>
    public TimeSpan ReplicaLoadTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// A deployment whose max_replicas is above its desired count gets one more replica (where hardware is
    /// free) when this share of its serving replicas' slots is reserved. For an interactive deployment a
    /// replica's slots count only the streams that still decode at its SLO's speed. 0..1, default 0.8.
    /// </summary>
    public double ScaleOutUtilization { get; set; } = 0.8;

    /// <summary>
    /// A deployment above its desired count drops a replica when the rest would have under this share of
    /// their slots reserved. Below <see cref="ScaleOutUtilization"/>, default 0.4.
    /// </summary>
    public double ScaleInUtilization { get; set; } = 0.4;
}
