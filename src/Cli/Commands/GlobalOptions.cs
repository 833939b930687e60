using System.CommandLine;
using ControlPlane.Cli.Connection;

namespace ControlPlane.Cli.Commands;

/// <summary>Options every cpctl command takes.</summary>
public sealed class GlobalOptions
{
    /// <summary>The control plane's gRPC address.</summary>
    public Option<string?> Endpoint { get; } = new("--endpoint")
    {
        Description = $"gRPC address of the control plane (env {ControlPlaneConnection.EndpointVariable}; default {ControlPlaneConnection.DefaultEndpoint}).",
        Recursive = true,
    };

    /// <summary>The bearer token.</summary>
    public Option<string?> Token { get; } = new("--token")
    {
        Description = $"Operator or viewer token (env {ControlPlaneConnection.TokenVariable}).",
        Recursive = true,
    };

    /// <summary>Per-call deadline in seconds.</summary>
    public Option<double> Timeout { get; } = new("--timeout")
    {
        Description = "Seconds to wait for each call.",
        DefaultValueFactory = _ => 10,
        Recursive = true,
    };

    /// <summary>Output format.</summary>
    public Option<string> Output { get; } = new("--output", "-o")
    {
        Description = "Output format: table or json.",
        DefaultValueFactory = _ => "table",
        Recursive = true,
    };

    /// <summary>Adds the options to <paramref name="root"/> and their checks.</summary>
    public void AddTo(RootCommand root)
    {
        Output.AcceptOnlyFromAmong("table", "json");
        Timeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<double>() is <= 0 or > 3600)
            {
                result.AddError("--timeout must be between 0 and 3600 seconds");
            }
        });
        root.Options.Add(Endpoint);
        root.Options.Add(Token);
        root.Options.Add(Timeout);
        root.Options.Add(Output);
    }

    /// <summary>Whether JSON output was asked for.</summary>
    public bool WantsJson(ParseResult parse) => parse.GetValue(Output) == "json";
}
