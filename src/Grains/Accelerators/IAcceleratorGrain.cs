using Orleans.Concurrency;

namespace ControlPlane.Grains.Accelerators;

/// <summary>One schedulable accelerator (a wafer-scale system or a GPU node), keyed by its id.</summary>
public interface IAcceleratorGrain : IGrainWithStringKey
{
    /// <summary>Says whether <see cref="RegisterAsync"/> would accept the registration, changing nothing.</summary>
    [ReadOnly]
    Task<AcceleratorOutcome> CheckRegistrationAsync(AcceleratorRegistration registration);

    /// <summary>Registers (or re-registers) the accelerator for its node.</summary>
    Task<AcceleratorOutcome> RegisterAsync(AcceleratorRegistration registration);

    /// <summary>Records a heartbeat from <paramref name="nodeId"/>; renews the lease. The hot path.</summary>
    Task<AcceleratorRefusal> ReportTelemetryAsync(string nodeId, ulong sequence, AcceleratorTelemetry telemetry);

    /// <summary>The current view, or null when the id was never registered.</summary>
    [ReadOnly]
    Task<AcceleratorView?> GetAsync();

    /// <summary>Applies an operator trigger (cordon, drain, resume, decommission ...).</summary>
    Task<AcceleratorOutcome> ApplyOperatorActionAsync(LifecycleTrigger trigger, string reason);
}
