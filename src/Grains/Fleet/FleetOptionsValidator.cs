using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Fleet;

/// <summary>Validates <see cref="FleetOptions"/> at start-up.</summary>
public sealed class FleetOptionsValidator : IValidateOptions<FleetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FleetOptions options)
    {
        var errors = new ConfigurationErrors(FleetOptions.SectionName);
        errors.Check(options.HeartbeatInterval > TimeSpan.Zero && options.HeartbeatInterval <= TimeSpan.FromMinutes(10),
            nameof(options.HeartbeatInterval), $"must be between 00:00:00.001 and 00:10:00 (got {options.HeartbeatInterval})");
        errors.Check(options.LeaseDuration > options.HeartbeatInterval, nameof(options.LeaseDuration),
            $"must be longer than HeartbeatInterval ({options.HeartbeatInterval}) so one late heartbeat does not mark accelerators Lost (got {options.LeaseDuration})");
        errors.Check(options.LeaseCheckInterval > TimeSpan.Zero && options.LeaseCheckInterval <= options.LeaseDuration,
            nameof(options.LeaseCheckInterval), $"must be positive and at most LeaseDuration ({options.LeaseDuration}) (got {options.LeaseCheckInterval})");
        errors.Check(options.IndexPublishInterval > TimeSpan.Zero, nameof(options.IndexPublishInterval),
            $"must be positive (got {options.IndexPublishInterval})");
        errors.Check(options.TelemetryApplyInterval >= TimeSpan.Zero && options.TelemetryApplyInterval * 4 <= options.LeaseDuration,
            nameof(options.TelemetryApplyInterval), $"must be 0 or more and at most a quarter of LeaseDuration ({options.LeaseDuration}) (got {options.TelemetryApplyInterval})");
        errors.Check(options.IndexShards is >= 1 and <= 256, nameof(options.IndexShards), $"must be 1..256 (got {options.IndexShards})");
        errors.Check(options.AgentCommandTimeout > TimeSpan.Zero && options.AgentCommandTimeout <= TimeSpan.FromMinutes(5), nameof(options.AgentCommandTimeout),
            $"must be between 00:00:00.001 and 00:05:00 (got {options.AgentCommandTimeout})");
        errors.Check(options.DrainStartGrace >= TimeSpan.Zero && options.DrainStartGrace <= TimeSpan.FromMinutes(5), nameof(options.DrainStartGrace),
            $"must be between 00:00:00 and 00:05:00 (got {options.DrainStartGrace})");
        return errors.Result();
    }
}
