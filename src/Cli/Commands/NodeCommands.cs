using System.CommandLine;
using Command = System.CommandLine.Command;
using System.Globalization;
using ControlPlane.Contracts.V1;

namespace ControlPlane.Cli.Commands;

/// <summary><c>cpctl nodes ping</c>.</summary>
public static class NodeCommands
{
    /// <summary>Builds the <c>nodes</c> command group.</summary>
    public static Command Create(GlobalOptions globals, CommandRunner runner)
    {
        var nodeArgument = new Argument<string>("node-id") { Description = "The node's id." };
        var ping = new Command("ping", "Send a ping down the node's stream and wait for its agent to answer (needs an operator token).") { nodeArgument };
        ping.SetAction((parse, cancellationToken) => runner.RunAsync(parse, async connection =>
        {
            var client = new FleetService.FleetServiceClient(connection.Invoker);
            var timeoutMs = (int)Math.Min(30_000, connection.Timeout.TotalMilliseconds * 0.9);
            var reply = await client.PingNodeAsync(new PingNodeRequest { NodeId = parse.GetValue(nodeArgument)!, TimeoutMs = timeoutMs },
                connection.Headers, connection.Deadline, cancellationToken);
            runner.Out.WriteLine(globals.WantsJson(parse)
                ? Google.Protobuf.JsonFormatter.Default.Format(reply)
                : $"{parse.GetValue(nodeArgument)} answered in {reply.RoundTripMs.ToString("F1", CultureInfo.InvariantCulture)} ms");
            return 0;
        }));

        var group = new Command("nodes", "Talk to inference nodes through their agents' streams.");
        group.Subcommands.Add(ping);
        return group;
    }
}
