using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Routing;

/// <summary>Validates <see cref="PlacementOptions"/> at start-up.</summary>
public sealed class PlacementOptionsValidator : IValidateOptions<PlacementOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PlacementOptions options)
    {
        var errors = new ConfigurationErrors(PlacementOptions.SectionName);
        errors.Check(options.PlacementLease >= TimeSpan.FromSeconds(1) && options.PlacementLease <= TimeSpan.FromHours(24), nameof(options.PlacementLease),
            $"must be 1 second..24 hours (got {options.PlacementLease})");
        errors.Check(options.RouteRefreshInterval > TimeSpan.Zero && options.RouteRefreshInterval <= TimeSpan.FromMinutes(1), nameof(options.RouteRefreshInterval),
            $"must be more than 0 and at most 1 minute (got {options.RouteRefreshInterval})");
        errors.Check(options.ReconcileInterval > TimeSpan.Zero && options.ReconcileInterval <= TimeSpan.FromMinutes(10), nameof(options.ReconcileInterval),
            $"must be more than 0 and at most 10 minutes (got {options.ReconcileInterval})");
        errors.Check(options.SessionIdleTimeout > options.PlacementLease && options.SessionIdleTimeout <= TimeSpan.FromHours(24), nameof(options.SessionIdleTimeout),
            $"must be longer than PlacementLease ({options.PlacementLease}), so no session holding a live placement is collected, and at most 24 hours (got {options.SessionIdleTimeout})");
        errors.Check(options.ReplicaLoadTimeout >= TimeSpan.FromSeconds(1) && options.ReplicaLoadTimeout <= TimeSpan.FromHours(24), nameof(options.ReplicaLoadTimeout),
            $"must be 1 second..24 hours (got {options.ReplicaLoadTimeout})");
        errors.Check(options.LiveLoadInterval >= TimeSpan.Zero && options.LiveLoadInterval <= TimeSpan.FromMinutes(1), nameof(options.LiveLoadInterval),
            $"must be 0..1 minute (got {options.LiveLoadInterval})");
        errors.Check(options.ScaleOutUtilization is > 0 and <= 1, nameof(options.ScaleOutUtilization),
            $"must be more than 0 and at most 1 (got {options.ScaleOutUtilization})");
        errors.Check(options.ScaleInUtilization >= 0 && options.ScaleInUtilization < options.ScaleOutUtilization, nameof(options.ScaleInUtilization),
            $"must be 0 or more and below ScaleOutUtilization ({options.ScaleOutUtilization}) so replica counts do not flap (got {options.ScaleInUtilization})");
        errors.Check(options.ReservationAttempts is >= 1 and <= 16, nameof(options.ReservationAttempts), $"must be 1..16 (got {options.ReservationAttempts})");
        errors.Check(options.MaxQueueWait >= TimeSpan.Zero && options.MaxQueueWait <= TimeSpan.FromSeconds(25), nameof(options.MaxQueueWait),
            $"must be 0..25 seconds: a queued Place waits inside a grain call, which times out at 30 s (got {options.MaxQueueWait})");
        errors.Check(options.ChargeFlushInterval > TimeSpan.Zero && options.ChargeFlushInterval <= TimeSpan.FromSeconds(10), nameof(options.ChargeFlushInterval),
            $"must be more than 0 and at most 10 seconds (got {options.ChargeFlushInterval})");
        errors.Check(options.BudgetCacheTtl >= TimeSpan.Zero && options.BudgetCacheTtl <= TimeSpan.FromSeconds(10), nameof(options.BudgetCacheTtl),
            $"must be 0..10 seconds (got {options.BudgetCacheTtl})");
        errors.Check(options.SessionFlushInterval > TimeSpan.Zero && options.SessionFlushInterval <= TimeSpan.FromMinutes(10), nameof(options.SessionFlushInterval),
            $"must be more than 0 and at most 10 minutes (got {options.SessionFlushInterval})");
        errors.Check(options.Engine.SampledPerClass is >= 1 and <= 64, "Engine:SampledPerClass", $"must be 1..64 (got {options.Engine.SampledPerClass})");
        errors.Check(options.Engine.Alternatives is >= 1 and <= 16, "Engine:Alternatives", $"must be 1..16 (got {options.Engine.Alternatives})");
        foreach (var (weightName, weight) in new[]
        {
            (nameof(options.Weights.SloHeadroom), options.Weights.SloHeadroom), (nameof(options.Weights.Load), options.Weights.Load),
            (nameof(options.Weights.SessionAffinity), options.Weights.SessionAffinity), (nameof(options.Weights.PoolPreference), options.Weights.PoolPreference),
            (nameof(options.Weights.OpportunityCost), options.Weights.OpportunityCost),
        })
        {
            errors.Check(weight is >= 0 and <= 1000, $"Weights:{weightName}", $"must be 0..1000 (got {weight})");
        }

        errors.Check(options.Plans.Count > 0, nameof(options.Plans), "must name at least one plan");
        foreach (var (plan, limits) in options.Plans)
        {
            errors.Check(ControlPlane.Placement.Deployments.DeploymentSpec.IsValidName(plan), $"Plans:{plan}",
                "is not a valid plan name: 1..63 lowercase letters, digits, '-' or '.'");
            foreach (var (key, message) in limits.Validate())
            {
                errors.Check(false, $"Plans:{plan}:{key}", message);
            }
        }

        return errors.Result();
    }
}
