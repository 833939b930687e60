using System.CommandLine;
using ControlPlane.Cli.Commands;

namespace ControlPlane.Cli;

/// <summary>cpctl, the operator CLI. Output streams and environment are parameters so tests can run it in-process.</summary>
public static class CpctlApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, environment, TimeProvider.System, cancellationToken);

    /// <summary>As <see cref="RunAsync(string[], TextWriter, TextWriter, Func{string, string?}, CancellationToken)"/>, with the clock heartbeat ages are measured on.</summary>
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment, TimeProvider time, CancellationToken cancellationToken)
    {
        var globals = new GlobalOptions();
        var runner = new CommandRunner(globals, stdout, stderr, environment);
        var root = new RootCommand("cpctl: operate a ControlPlane fleet of wafer-scale systems and GPU nodes.");
        globals.AddTo(root);
        root.Subcommands.Add(AcceleratorCommands.Create(globals, runner, time));
        root.Subcommands.Add(NodeCommands.Create(globals, runner));
        root.Subcommands.Add(DeploymentCommands.Create(globals, runner));
        root.Subcommands.Add(PlaceCommand.Create(globals, runner));
        foreach (var lifecycle in LifecycleCommands.Create(globals, runner, time))
        {
            root.Subcommands.Add(lifecycle);
        }

        root.Subcommands.Add(AuditCommands.Create(globals, runner, time));
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }
}
