using System.Net;
using ControlPlane.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace ControlPlane.Silos.Hosting;

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
