using ControlPlane.Grains.Hosting;
using ControlPlane.Placement.Deployments;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tenants;

/// <summary>Validates <see cref="LimitOptions"/> at start-up.</summary>
public sealed class LimitOptionsValidator : IValidateOptions<LimitOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new ConfigurationErrors(LimitOptions.SectionName);
        errors.Check(options.ChargeFlushInterval > TimeSpan.Zero && options.ChargeFlushInterval <= TimeSpan.FromSeconds(10), nameof(options.ChargeFlushInterval),
            $"must be more than 0 and at most 10 seconds (got {options.ChargeFlushInterval})");
        errors.Check(options.BudgetCacheTtl >= TimeSpan.Zero && options.BudgetCacheTtl <= TimeSpan.FromSeconds(10), nameof(options.BudgetCacheTtl),
            $"must be 0..10 seconds (got {options.BudgetCacheTtl})");
        errors.Check(options.Plans.Count > 0, nameof(options.Plans), "must name at least one plan");
        foreach (var (plan, limits) in options.Plans)
        {
            errors.Check(DeploymentSpec.IsValidName(plan), $"Plans:{plan}", "is not a valid plan name: 1..63 lowercase letters, digits, '-' or '.'");
            foreach (var (key, message) in limits.Validate())
            {
                errors.Check(false, $"Plans:{plan}:{key}", message);
            }
        }

        return errors.Result();
    }
}
