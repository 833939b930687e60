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
        errors.Check(options.LiveLoadInterval >= TimeSpan.Zero && options.LiveLoadInterval <= TimeSpan.FromMinutes(1), nameof(options.LiveLoadInterval),
            $"must be 0..1 minute (got {options.LiveLoadInterval})");
        errors.Check(options.ReservationAttempts is >= 1 and <= 16, nameof(options.ReservationAttempts), $"must be 1..16 (got {options.ReservationAttempts})");
        errors.Check(options.MaxQueueWait >= TimeSpan.Zero && options.MaxQueueWait <= TimeSpan.FromSeconds(25), nameof(options.MaxQueueWait),
            $"must be 0..25 seconds: a queued Place waits inside a grain call, which times out at 30 s (got {options.MaxQueueWait})");
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

        return errors.Result();
    }
}
