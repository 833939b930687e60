using ControlPlane.Placement.Hardware;
using ControlPlane.Placement.Routing;
using ControlPlane.Simulator.Workloads;

namespace ControlPlane.Simulator.Policies;

/// <summary>
/// What the simple baselines share: any ready, schedulable replica of the deployment with a free slot and
/// room for the request's context is a candidate; latency class, SLO and session affinity are ignored.
/// </summary>
internal abstract class BaselinePolicy : IRoutingPolicy
{
    private static readonly HardwareClass[] Classes = [HardwareClass.WaferScale, HardwareClass.Gpu];
    private readonly List<RoutableReplica> _candidates = [];

    /// <inheritdoc />
    public abstract string Name { get; }

    /// <inheritdoc />
    public PolicyChoice Choose(SimRequest request, string? stickyReplicaId, DeploymentRoutes routes)
    {
        _candidates.Clear();
        var any = false;
        foreach (var hardwareClass in Classes)
        {
            foreach (var replica in routes.Replicas(hardwareClass))
            {
                if (!replica.Ready || !replica.Schedulable || request.PromptTokens + request.OutputTokens > replica.MaxContextTokens)
                {
                    continue;
                }

                any = true;
                if (replica.FreeSlots > 0)
                {
                    _candidates.Add(replica);
                }
            }
        }

        return _candidates.Count > 0 ? PolicyChoice.On(Pick(_candidates))
            : any ? PolicyChoice.Wait()
            : PolicyChoice.Refuse(RejectionReason.NoReadyReplica);
    }

    /// <summary>Picks one of <paramref name="candidates"/> (never empty).</summary>
    protected abstract RoutableReplica Pick(List<RoutableReplica> candidates);
}

/// <summary>Round-robin over replicas with a free slot.</summary>
internal sealed class RoundRobinPolicy : BaselinePolicy
{
    private long _next;

    /// <inheritdoc />
    public override string Name => "round-robin";

    /// <inheritdoc />
    protected override RoutableReplica Pick(List<RoutableReplica> candidates) => candidates[(int)(_next++ % candidates.Count)];
}

/// <summary>The replica with the smallest share of its slots in use.</summary>
internal sealed class LeastLoadedPolicy : BaselinePolicy
{
    /// <inheritdoc />
    public override string Name => "least-loaded";

    /// <inheritdoc />
    protected override RoutableReplica Pick(List<RoutableReplica> candidates)
    {
        var best = candidates[0];
        foreach (var replica in candidates)
        {
            if ((double)replica.ActiveStreams / replica.Slots < (double)best.ActiveStreams / best.Slots)
            {
                best = replica;
            }
        }

        return best;
    }
}

/// <summary>Any replica with a free slot, uniformly at random.</summary>
internal sealed class RandomPolicy(Random random) : BaselinePolicy
{
    /// <inheritdoc />
    public override string Name => "random";

    /// <inheritdoc />
    protected override RoutableReplica Pick(List<RoutableReplica> candidates) => candidates[random.Next(candidates.Count)];
}
