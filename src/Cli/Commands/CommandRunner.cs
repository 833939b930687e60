using System.CommandLine;
using ControlPlane.Cli.Connection;
using ControlPlane.Cli.Output;
using Grpc.Core;

namespace ControlPlane.Cli.Commands;

/// <summary>Runs a command body against an open connection, turning failures into messages and exit codes.</summary>
public sealed class CommandRunner(GlobalOptions globals, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
{
    /// <summary>Standard output.</summary>
    public TextWriter Out => stdout;

    /// <summary>Standard error.</summary>
    public TextWriter Error => stderr;

    /// <summary>Opens the connection from the parsed flags and runs <paramref name="body"/>.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<ControlPlaneConnection, Task<int>> body)
    {
        using var connection = ControlPlaneConnection.Open(
            parse.GetValue(globals.Endpoint), parse.GetValue(globals.Token), TimeSpan.FromSeconds(parse.GetValue(globals.Timeout)), environment, out var error);
        if (connection is null)
        {
            stderr.WriteLine($"error: {error}");
            return 2;
        }

        try
        {
            return await body(connection);
        }
        catch (RpcException ex)
        {
            return RpcErrorReporter.Report(ex, connection.Endpoint, stderr);
        }
    }
}
