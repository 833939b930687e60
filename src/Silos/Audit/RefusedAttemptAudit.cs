using ControlPlane.Contracts.Security;
using ControlPlane.Grains.Audit;
using ControlPlane.Placement.Limits;
using ControlPlane.Silos.Validation;
using Grpc.Core;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Audit;

/// <summary>
/// Records operator actions refused before they ran (a bad token, or a role that may not act) in the audit
/// log: who tried, what and on what, and why it was refused. A flood cannot fill the log: each caller gets
/// a small burst and then a few entries a minute, and the entry after a gap says how many were left out.
/// Every attempt is counted in <c>controlplane_refused_operator_attempts_total</c> regardless.
/// </summary>
public sealed class RefusedAttemptAudit(AuditLog log, TimeProvider time, Metrics.ControlPlaneMetrics metrics)
{
    /// <summary>Entries one caller may have recorded at once before the rate limit applies.</summary>
    public const int BurstPerActor = 20;

    /// <summary>Entries one caller may have recorded per minute past its burst.</summary>
    public const int PerActorPerMinute = 6;

    /// <summary>Entries all callers together may have recorded per minute, so many forged identities cannot fill the log either.</summary>
    public const int AllPerMinute = 120;

    // Bounded: past this many distinct callers the oldest limits are forgotten (a forgotten caller starts
    // with a fresh burst, and the fleet-wide bucket still holds).
    private const int MaxTrackedActors = 4_096;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, (TokenBucket Bucket, long Unrecorded)> _actors = new(StringComparer.Ordinal);
    private readonly TokenBucket _all = new(AllPerMinute, AllPerMinute / 60.0, time.GetUtcNow());

    /// <summary>The caller recorded for a request whose token could not be checked.</summary>
    public const string Unauthenticated = "(unauthenticated)";

    /// <summary>
    /// Records that <paramref name="caller"/> (null when unauthenticated) was refused <paramref name="method"/>
    /// with <paramref name="refusal"/>, unless the rate limit says to leave it out. Does nothing for methods
    /// that are not operator actions.
    /// </summary>
    public async Task RecordAsync(string method, CallerIdentity? caller, object? request, RpcException refusal, CancellationToken cancellationToken)
    {
        if (AuditedActions.Of(method) is not { } action)
        {
            return;
        }

        var result = OperatorAudit.CodeName(refusal.StatusCode);
        metrics.RefusedOperatorAttempts.WithLabels(result).Inc();
        var actor = caller is null ? Unauthenticated : ResourceIds.Shorten(caller.Subject);
        if (Admit(actor) is not { } leftOutBefore)
        {
            metrics.RefusedAttemptsNotRecorded.Inc();
            return;
        }

        var (targets, reason, requestId) = Describe(request);
        var parameters = leftOutBefore > 0
            ? new Dictionary<string, string> { ["refused_attempts_not_recorded_before"] = leftOutBefore.ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : new Dictionary<string, string>();
        var entry = OperatorAudit.Entry(time.GetUtcNow(), actor, caller is null ? "none" : BearerToken.RoleName(caller.Role), action,
            targets, reason, parameters, requestId, result, ResourceIds.Shorten(refusal.Status.Detail));
        await log.AppendAsync(entry, cancellationToken);
    }

    // How many of this caller's attempts were left out since its last entry, or null to leave this one out too.
    private long? Admit(string actor)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            if (!_actors.TryGetValue(actor, out var state))
            {
                if (_actors.Count >= MaxTrackedActors)
                {
                    _actors.Remove(_actors.Keys.First());
                }

                state = (new TokenBucket(BurstPerActor, PerActorPerMinute / 60.0, now), 0);
            }

            if (state.Bucket.Level(now) < 1 || _all.Level(now) < 1)
            {
                _actors[actor] = (state.Bucket, state.Unrecorded + 1);
                return null;
            }

            state.Bucket.Charge(1, now);
            _all.Charge(1, now);
            _actors[actor] = (state.Bucket, 0);
            return state.Unrecorded;
        }
    }

    // What the refused request named: its targets, reason and request id, for the operator actions' requests.
    private static (IReadOnlyList<string> Targets, string Reason, string RequestId) Describe(object? request) => request switch
    {
        V1.AcceleratorActionRequest r => (r.AcceleratorIds, r.Reason, r.RequestId),
        V1.DrainAcceleratorsRequest r => (r.AcceleratorIds, r.Reason, r.RequestId),
        V1.PingNodeRequest r => ([r.NodeId], "", ""),
        V1.CreateDeploymentRequest r => ([r.Deployment?.Name ?? ""], "", r.RequestId),
        V1.UpdateDeploymentRequest r => ([r.Deployment?.Name ?? ""], "", r.RequestId),
        V1.ScaleDeploymentRequest r => ([r.Name], "", r.RequestId),
        V1.DeleteDeploymentRequest r => ([r.Name], "", r.RequestId),
        _ => ([], "", ""),
    };
}
