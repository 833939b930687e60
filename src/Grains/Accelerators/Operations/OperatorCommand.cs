using System.Globalization;

namespace ControlPlane.Grains.Accelerators.Operations;

/// <summary>One operator request on one accelerator, as the operator API validated it.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Reason">Why (recorded as the state reason and in the audit log).</param>
/// <param name="Actor">Who asked: the subject of their token.</param>
/// <param name="RequestId">Client-chosen id that makes a retry act once; empty for none.</param>
/// <param name="Deadline">Drain only: how long running work may take before it is cut over; null for no deadline.</param>
/// <param name="Force">Drain only: do not wait for deployments' disruption budgets.</param>
[GenerateSerializer, Immutable, Alias("cp.OperatorCommand")]
public sealed record OperatorCommand(
    [property: Id(0)] OperatorAction Action,
    [property: Id(1)] string Reason,
    [property: Id(2)] string Actor,
    [property: Id(3)] string RequestId,
    [property: Id(4)] TimeSpan? Deadline = null,
    [property: Id(5)] bool Force = false)
{
    /// <summary>What a retry must repeat for its request id to count as the same request.</summary>
    public string Fingerprint => string.Create(CultureInfo.InvariantCulture, $"{Action}|{Reason}|{Deadline?.Ticks}|{Force}");

    /// <summary>The lifecycle trigger the action fires.</summary>
    public LifecycleTrigger Trigger => Action switch
    {
        OperatorAction.Cordon => LifecycleTrigger.Cordon,
        OperatorAction.Uncordon => LifecycleTrigger.Uncordon,
        OperatorAction.Drain => LifecycleTrigger.Drain,
        OperatorAction.Resume => LifecycleTrigger.Resume,
        OperatorAction.Decommission => LifecycleTrigger.Decommission,
        OperatorAction.Readd => LifecycleTrigger.Readd,
        _ => throw new ArgumentOutOfRangeException(nameof(Action), Action, "not an operator action"),
    };
}
