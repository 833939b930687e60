using Grpc.Core;
using Grpc.Net.Client;

namespace ControlPlane.Cli.Connection;

/// <summary>Where cpctl sends its calls and with which token; resolved from flags, then environment variables.</summary>
public sealed class ControlPlaneConnection : IDisposable
{
    /// <summary>Environment variable holding the endpoint.</summary>
    public const string EndpointVariable = "CPCTL_ENDPOINT";

    /// <summary>Environment variable holding the bearer token.</summary>
    public const string TokenVariable = "CPCTL_TOKEN";

    /// <summary>Endpoint used when neither flag nor variable names one.</summary>
    public const string DefaultEndpoint = "http://127.0.0.1:5100";

    private readonly GrpcChannel _channel;

    private ControlPlaneConnection(Uri endpoint, string token, TimeSpan timeout)
    {
        Endpoint = endpoint;
        Timeout = timeout;
        _channel = GrpcChannel.ForAddress(endpoint);
        Headers = new Metadata { { "authorization", $"Bearer {token}" } };
    }

    /// <summary>The control plane's gRPC address.</summary>
    public Uri Endpoint { get; }

    /// <summary>Deadline of each call.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Call metadata carrying the token.</summary>
    public Metadata Headers { get; }

    /// <summary>The channel's invoker, for generated clients.</summary>
    public CallInvoker Invoker => _channel.CreateCallInvoker();

    /// <summary>The deadline of a call started now.</summary>
    public DateTime Deadline => DateTime.UtcNow + Timeout;

    /// <summary>Resolves endpoint and token; returns null with <paramref name="error"/> when either is missing or malformed.</summary>
    public static ControlPlaneConnection? Open(string? endpointFlag, string? tokenFlag, TimeSpan timeout, Func<string, string?> environment, out string error)
    {
        var endpointText = endpointFlag ?? environment(EndpointVariable) ?? DefaultEndpoint;
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
        {
            error = $"--endpoint '{endpointText}' is not an http:// or https:// address (e.g. {DefaultEndpoint})";
            return null;
        }

        var token = tokenFlag ?? environment(TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            error = $"no token: pass --token or set {TokenVariable} (an operator or viewer token; mint one with: dotnet run --project src/Silos -- issue-token --role operator --subject YOUR-NAME)";
            return null;
        }

        token = token.Trim();
        var from = tokenFlag is null ? TokenVariable : "--token";
        var at = token.IndexOfAny([' ', '\t', '\r', '\n']);
        if (at >= 0 || token.Any(char.IsControl))
        {
            error = $"the token in {from} holds whitespace or a line break{(at >= 0 ? $" at position {at}" : "")}: a token is one word " +
                "(cp1.<role>.<subject>.<signature>). If it was captured with $(...), check that the command printed only the token";
            return null;
        }

        error = "";
        return new ControlPlaneConnection(endpoint, token, timeout);
    }

    /// <inheritdoc />
    public void Dispose() => _channel.Dispose();
}
