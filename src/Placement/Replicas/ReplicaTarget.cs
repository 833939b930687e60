using ControlPlane.Placement.Deployments;
using ControlPlane.Placement.Performance;

namespace ControlPlane.Placement.Replicas;

/// <summary>The load of one serving replica: slots reserved out of slots held.</summary>
/// <param name="ActiveStreams">Slots reserved now.</param>
/// <param name="Slots">Concurrent streams it holds.</param>
public readonly record struct ReplicaLoadSample(int ActiveStreams, int Slots);

/// <summary>
/// How many replicas a deployment should run now: its desired count, or more (up to its maximum) while its
/// serving replicas are busy. One step at a time, with a gap between the scale-out and scale-in
/// thresholds so the count does not flap; a replica still loading counts with its slots, so load that
/// already triggered a new replica does not trigger another before that one is ready.
/// </summary>
public static class ReplicaTarget
{
    /// <summary>
    /// The load sample of one replica of <paramref name="deployment"/>. For an interactive deployment its slots
    /// count only the streams that still decode at the SLO's speed: a GPU replica's KV cache can hold several
    /// times the streams that decode fast enough, and scaling out at 80% of it would come long after turns
    /// began missing the SLO.
    /// </summary>
    public static ReplicaLoadSample SampleOf(DeploymentSpec deployment, in ReplicaPerformance performance, int activeStreams, int slots)
    {
        ArgumentNullException.ThrowIfNull(deployment);
        if (deployment.DefaultLatencyClass != LatencyClass.Interactive || deployment.Slo.MinTokensPerSecond <= 0)
        {
            return new ReplicaLoadSample(activeStreams, slots);
        }

        var keepingSlo = performance.StreamsAtSpeed(deployment.Slo.MinTokensPerSecond, slots);
        return new ReplicaLoadSample(Math.Min(activeStreams, keepingSlo), keepingSlo);
    }

    /// <summary>The replica count to aim for.</summary>
    /// <param name="desiredReplicas">The spec's desired replicas (the floor).</param>
    /// <param name="maxReplicas">The spec's maximum; at most <paramref name="desiredReplicas"/> means no scaling on load.</param>
    /// <param name="serving">Load of the replicas serving now.</param>
    /// <param name="scaleOutUtilization">Add a replica when reserved/slots reaches this.</param>
    /// <param name="scaleInUtilization">Drop one above the desired count when the rest would stay under this.</param>
    public static int For(int desiredReplicas, int maxReplicas, IReadOnlyList<ReplicaLoadSample> serving, double scaleOutUtilization, double scaleInUtilization)
    {
        if (maxReplicas <= desiredReplicas || serving.Count == 0)
        {
            return desiredReplicas;
        }

        var active = serving.Sum(s => s.ActiveStreams);
        var slots = serving.Sum(s => s.Slots);
        if (slots > 0 && (double)active / slots >= scaleOutUtilization)
        {
            return Math.Min(maxReplicas, Math.Max(desiredReplicas, serving.Count + 1));
        }

        if (serving.Count > desiredReplicas)
        {
            // Judged as if the largest replica went: the one retired is the least busy, which may be the
            // largest, and dropping below the scale-out line at once would add it straight back.
            var largest = serving.Max(s => s.Slots);
            var after = slots - largest;
            if (after > 0 && (double)active / after < scaleInUtilization)
            {
                return serving.Count - 1;
            }
        }

        return Math.Clamp(serving.Count, desiredReplicas, maxReplicas);
    }
}
