using ControlPlane.Grains.Hosting;
using ControlPlane.Grains.Routing;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Sessions;

/// <summary>Validates <see cref="SessionOptions"/> at start-up, against the placement lease it must outlast.</summary>
/// <param name="placementLease">The configured <see cref="PlacementOptions.PlacementLease"/>.</param>
public sealed class SessionOptionsValidator(TimeSpan placementLease) : IValidateOptions<SessionOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new ConfigurationErrors(SessionOptions.SectionName);
        errors.Check(options.FlushInterval > TimeSpan.Zero && options.FlushInterval <= TimeSpan.FromMinutes(10), nameof(options.FlushInterval),
            $"must be more than 0 and at most 10 minutes (got {options.FlushInterval})");
        errors.Check(options.IdleTimeout > placementLease && options.IdleTimeout <= TimeSpan.FromHours(24), nameof(options.IdleTimeout),
            $"must be longer than {PlacementOptions.SectionName}:{nameof(PlacementOptions.PlacementLease)} ({placementLease}), so no session holding a live placement is collected, and at most 24 hours (got {options.IdleTimeout})");
        return errors.Result();
    }
}
