using System.Text.RegularExpressions;
using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Silos.Hosting;

/// <summary>Validates <see cref="SiloClusterOptions"/> at start-up.</summary>
internal sealed partial class SiloClusterOptionsValidator : IValidateOptions<SiloClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, SiloClusterOptions options)
    {
        var errors = new ConfigurationErrors(SiloClusterOptions.SectionName);
        errors.Check(IdPattern().IsMatch(options.ClusterId), nameof(options.ClusterId),
            $"must be 1..63 lowercase letters, digits or '-' (got '{options.ClusterId}')");
        errors.Check(IdPattern().IsMatch(options.ServiceId), nameof(options.ServiceId),
            $"must be 1..63 lowercase letters, digits or '-' (got '{options.ServiceId}')");
        errors.Check(options.SiloPort is > 0 and <= 65535, nameof(options.SiloPort), $"must be 1..65535 (got {options.SiloPort})");
        errors.Check(options.GatewayPort is > 0 and <= 65535, nameof(options.GatewayPort), $"must be 1..65535 (got {options.GatewayPort})");
        errors.Check(options.SiloPort != options.GatewayPort, nameof(options.GatewayPort), $"must differ from SiloPort (both are {options.SiloPort})");
        errors.Check(Enum.IsDefined(options.Provider), nameof(options.Provider), $"must be Localhost or Redis (got {options.Provider})");
        if (options.Provider == ClusterProvider.Redis)
        {
            errors.Check(options.Redis.ConnectionString.Trim().Length > 0, "Redis:ConnectionString", "is required with Provider=Redis, e.g. 127.0.0.1:6379");
            errors.Check(System.Net.IPAddress.TryParse(options.AdvertisedAddress, out _), nameof(options.AdvertisedAddress),
                $"must be an IP address other silos can reach (got '{options.AdvertisedAddress}')");
        }
        return errors.Result();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex IdPattern();
}
