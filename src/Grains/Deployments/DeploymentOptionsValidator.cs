using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Deployments;

/// <summary>Validates <see cref="DeploymentOptions"/> at start-up.</summary>
public sealed class DeploymentOptionsValidator : IValidateOptions<DeploymentOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DeploymentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new ConfigurationErrors(DeploymentOptions.SectionName);
        errors.Check(options.ReconcileInterval > TimeSpan.Zero && options.ReconcileInterval <= TimeSpan.FromMinutes(10), nameof(options.ReconcileInterval),
            $"must be more than 0 and at most 10 minutes (got {options.ReconcileInterval})");
        errors.Check(options.ReplicaLoadTimeout >= TimeSpan.FromSeconds(1) && options.ReplicaLoadTimeout <= TimeSpan.FromHours(24), nameof(options.ReplicaLoadTimeout),
            $"must be 1 second..24 hours (got {options.ReplicaLoadTimeout})");
        errors.Check(options.ScaleOutUtilization is > 0 and <= 1, nameof(options.ScaleOutUtilization),
            $"must be more than 0 and at most 1 (got {options.ScaleOutUtilization})");
        errors.Check(options.ScaleInUtilization >= 0 && options.ScaleInUtilization < options.ScaleOutUtilization, nameof(options.ScaleInUtilization),
            $"must be 0 or more and below ScaleOutUtilization ({options.ScaleOutUtilization}) so replica counts do not flap (got {options.ScaleInUtilization})");
        return errors.Result();
    }
}
