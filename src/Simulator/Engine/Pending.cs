using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Engine;

/// <summary>A request waiting for a slot.</summary>
internal sealed class Pending(SimRequest request, double queuedAt)
{
    /// <summary>The request.</summary>
    public SimRequest Request { get; } = request;

    /// <summary>When it started waiting.</summary>
    public double QueuedAt { get; } = queuedAt;

    /// <summary>Admitted or timed out: no longer waiting.</summary>
    public bool Done { get; set; }
}
