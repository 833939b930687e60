using ControlPlane.Contracts.Security;
using ControlPlane.Grains.Fleet;
using ControlPlane.Silos.Security;
using Microsoft.Extensions.Options;
using System.Net;
using System.Text.RegularExpressions;

namespace ControlPlane.Silos.Hosting;

/// <summary>Collects start-up configuration errors, each naming its full configuration key.</summary>
internal sealed class ConfigurationErrors(string section)
{
    private readonly List<string> _errors = [];

    public bool Check(bool ok, string key, string message)
    {
        if (!ok)
        {
            _errors.Add($"{section}:{key} {message}");
        }

        return ok;
    }

    public ValidateOptionsResult Result() =>
        _errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_errors);
}

/// <summary>Validates <see cref="EndpointOptions"/> at start-up.</summary>
internal sealed class EndpointOptionsValidator : IValidateOptions<EndpointOptions>
{
    public ValidateOptionsResult Validate(string? name, EndpointOptions options)
    {
        var errors = new ConfigurationErrors(EndpointOptions.SectionName);
        errors.Check(IPAddress.TryParse(options.ListenAddress, out _), nameof(options.ListenAddress),
            $"must be an IP address such as 127.0.0.1 or 0.0.0.0 (got '{options.ListenAddress}')");
        errors.Check(options.GrpcPort is >= 0 and <= 65535, nameof(options.GrpcPort), $"must be 0..65535 (got {options.GrpcPort})");
        errors.Check(options.HttpPort is >= 0 and <= 65535, nameof(options.HttpPort), $"must be 0..65535 (got {options.HttpPort})");
        errors.Check(options.GrpcPort == 0 || options.GrpcPort != options.HttpPort, nameof(options.HttpPort),
            $"must differ from GrpcPort: gRPC needs an HTTP/2-only port and /metrics an HTTP/1.1 one (both are {options.HttpPort})");
        return errors.Result();
    }
}

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
        return errors.Result();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,62}$")]
    private static partial Regex IdPattern();
}

/// <summary>Validates <see cref="FleetOptions"/> at start-up.</summary>
internal sealed class FleetOptionsValidator : IValidateOptions<FleetOptions>
{
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

/// <summary>Validates <see cref="HardwareOptions"/> at start-up against the built-in catalogue.</summary>
internal sealed partial class HardwareOptionsValidator : IValidateOptions<HardwareOptions>
{
    public ValidateOptionsResult Validate(string? name, HardwareOptions options)
    {
        var errors = new ConfigurationErrors(HardwareOptions.SectionName);
        var seen = new HashSet<string>(Placement.Hardware.HardwareCatalogue.Default.Names, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < options.Skus.Count; i++)
        {
            var sku = options.Skus[i];
            var key = $"Skus:{i}:";
            if (!errors.Check(NamePattern().IsMatch(sku.Name), key + nameof(sku.Name), $"must be 1..32 lowercase letters, digits or '-' (got '{sku.Name}')"))
            {
                continue;
            }

            errors.Check(seen.Add(sku.Name), key + nameof(sku.Name), $"'{sku.Name}' is already in the catalogue; pick another name");
            errors.Check(sku.Class is Placement.Hardware.HardwareClass.WaferScale or Placement.Hardware.HardwareClass.Gpu, key + nameof(sku.Class),
                $"must be WaferScale or Gpu (got '{sku.Class}')");
            errors.Check(sku.MemoryBytesPerDevice is > 0 and <= 10_000_000_000_000, key + nameof(sku.MemoryBytesPerDevice),
                $"must be 1..10000000000000 bytes (got {sku.MemoryBytesPerDevice})");
            errors.Check(sku.MemoryBandwidthBytesPerSecondPerDevice is > 0 and <= 1e18, key + nameof(sku.MemoryBandwidthBytesPerSecondPerDevice),
                $"must be positive and at most 1e18 bytes/s (got {sku.MemoryBandwidthBytesPerSecondPerDevice})");
            errors.Check(sku.DenseBf16FlopsPerDevice is > 0 and <= 1e19, key + nameof(sku.DenseBf16FlopsPerDevice),
                $"must be positive and at most 1e19 FLOP/s (got {sku.DenseBf16FlopsPerDevice})");
            errors.Check(sku.Class != Placement.Hardware.HardwareClass.WaferScale ? sku.MaxDevicesPerSystem is >= 1 and <= 64 : sku.MaxDevicesPerSystem == 1,
                key + nameof(sku.MaxDevicesPerSystem), $"must be 1 for a wafer-scale system and 1..64 for a GPU node (got {sku.MaxDevicesPerSystem})");
        }

        return errors.Result();
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,31}$")]
    private static partial Regex NamePattern();
}

/// <summary>Validates <see cref="AuthOptions"/> at start-up.</summary>
internal sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new ConfigurationErrors(AuthOptions.SectionName);
        if (string.IsNullOrEmpty(options.SigningKey))
        {
            errors.Check(!options.RequireSigningKey, nameof(options.SigningKey),
                "is required because RequireSigningKey is set; generate one with: openssl rand -base64 32");
            return errors.Result();
        }

        byte[]? key = null;
        try
        {
            key = Convert.FromBase64String(options.SigningKey);
        }
        catch (FormatException)
        {
        }

        errors.Check(key is not null, nameof(options.SigningKey), "must be base64; generate one with: openssl rand -base64 32");
        errors.Check(key is null || key.Length >= BearerToken.MinKeyBytes, nameof(options.SigningKey),
            $"must decode to at least {BearerToken.MinKeyBytes} bytes (got {key?.Length})");
        return errors.Result();
    }
}

/// <summary>Validates <see cref="ControlPlane.Grains.Routing.PlacementOptions"/> at start-up.</summary>
internal sealed class PlacementOptionsValidator : IValidateOptions<ControlPlane.Grains.Routing.PlacementOptions>
{
    public ValidateOptionsResult Validate(string? name, ControlPlane.Grains.Routing.PlacementOptions options)
    {
        var errors = new ConfigurationErrors(ControlPlane.Grains.Routing.PlacementOptions.SectionName);
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
