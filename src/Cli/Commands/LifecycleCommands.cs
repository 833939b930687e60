using System.CommandLine;
using ControlPlane.Cli.Connection;
using ControlPlane.Cli.Output;
using ControlPlane.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Command = System.CommandLine.Command;

namespace ControlPlane.Cli.Commands;

/// <summary><c>cpctl cordon|uncordon|drain|resume|decommission|readd ID...</c>: the operator lifecycle of accelerators.</summary>
public static class LifecycleCommands
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    /// <summary>How often <c>--wait</c> asks for progress.</summary>
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    /// <summary>The lifecycle commands, to add to the root command.</summary>
    public static IEnumerable<Command> Create(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        yield return Simple("cordon", "Stop new placements and replicas on accelerators; work already there is untouched.",
            (client, request, connection, ct) => client.CordonAcceleratorsAsync(request, connection.Headers, connection.Deadline, ct).ResponseAsync,
            globals, runner, time);
        yield return Simple("uncordon", "Lift a cordon.",
            (client, request, connection, ct) => client.UncordonAcceleratorsAsync(request, connection.Headers, connection.Deadline, ct).ResponseAsync,
            globals, runner, time);
        yield return Drain(globals, runner, time);
        yield return Simple("resume", "Return cordoned, draining or drained accelerators to service.",
            (client, request, connection, ct) => client.ResumeAcceleratorsAsync(request, connection.Headers, connection.Deadline, ct).ResponseAsync,
            globals, runner, time);
        yield return Simple("decommission", "Remove drained accelerators from the fleet for good; their agents are refused until readd. Needs --reason.",
            (client, request, connection, ct) => client.DecommissionAcceleratorsAsync(request, connection.Headers, connection.Deadline, ct).ResponseAsync,
            globals, runner, time);
        yield return Simple("readd", "Let decommissioned accelerators register again, from any node, as new hardware.",
            (client, request, connection, ct) => client.ReaddAcceleratorsAsync(request, connection.Headers, connection.Deadline, ct).ResponseAsync,
            globals, runner, time);
    }

    private static Argument<string[]> Ids() => new("id")
    {
        Description = "Accelerator ids (1..100); all are acted on, or none when one cannot be.",
        Arity = ArgumentArity.OneOrMore,
    };

    private static Option<string?> Reason(bool required) => new("--reason")
    {
        Description = required ? "Why (required; recorded in the audit log and the state reason)." : "Why (recorded in the audit log and the state reason).",
        Required = required,
    };

    private static Command Simple(
        string name,
        string description,
        Func<FleetService.FleetServiceClient, AcceleratorActionRequest, ControlPlaneConnection, CancellationToken, Task<AcceleratorActionResponse>> call,
        GlobalOptions globals,
        CommandRunner runner,
        TimeProvider time)
    {
        var ids = Ids();
        var reason = Reason(required: name == "decommission");
        var requestId = RequestIdFlag.Create();
        var command = new Command(name, description) { ids, reason, requestId };
        command.SetAction((parse, cancellationToken) => runner.RunAsync(parse, async connection =>
        {
            var request = new AcceleratorActionRequest { Reason = parse.GetValue(reason) ?? "", RequestId = RequestIdFlag.ValueOf(parse, requestId) };
            request.AcceleratorIds.AddRange(parse.GetValue(ids)!);
            var response = await call(new FleetService.FleetServiceClient(connection.Invoker), request, connection, cancellationToken);
            Report(response.Accelerators, globals.WantsJson(parse), runner, time);
            return 0;
        }));
        return command;
    }

    private static Command Drain(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        var ids = Ids();
        var reason = Reason(required: true);
        var deadline = new Option<string?>("--deadline")
        {
            Description = "How long running work may take to finish (e.g. 30s, 10m, 1h30m; 1s..7d); what is left then is cut over. Default: no deadline.",
        };
        deadline.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } text && !DurationText.TryParse(text, out _, out var error))
            {
                r.AddError($"--deadline: {error}");
            }
        });
        var force = new Option<bool>("--force") { Description = "Do not wait for deployments' disruption budgets (replicas may drop below their minimum)." };
        var wait = new Option<bool>("--wait") { Description = "Show progress (placements and streams left, budgets waited on, time left) until every accelerator is Drained." };
        var requestId = RequestIdFlag.Create();
        var command = new Command("drain",
            "Empty accelerators: all are cordoned at once, sessions move at their next turn, running work finishes, then each is Drained.")
        {
            ids, reason, deadline, force, wait, requestId,
        };
        command.SetAction((parse, cancellationToken) => runner.RunAsync(parse, async connection =>
        {
            var request = new DrainAcceleratorsRequest
            {
                Reason = parse.GetValue(reason) ?? "",
                Force = parse.GetValue(force),
                RequestId = RequestIdFlag.ValueOf(parse, requestId),
            };
            request.AcceleratorIds.AddRange(parse.GetValue(ids)!);
            if (parse.GetValue(deadline) is { } text && DurationText.TryParse(text, out var span, out _))
            {
                request.Deadline = Duration.FromTimeSpan(span);
            }

            var client = new FleetService.FleetServiceClient(connection.Invoker);
            var started = time.GetTimestamp();
            var response = await client.DrainAcceleratorsAsync(request, connection.Headers, connection.Deadline, cancellationToken);
            if (!parse.GetValue(wait))
            {
                Report(response.Accelerators, globals.WantsJson(parse), runner, time);
                return 0;
            }

            var final = await WaitUntilDrainedAsync(client, connection, response.Accelerators, runner, time, cancellationToken);
            if (final is null)
            {
                runner.Error.WriteLine("Stopped waiting; the drain goes on. Follow it with: cpctl accelerators show ID");
                return 1;
            }

            Report(final, globals.WantsJson(parse), runner, time);
            runner.Error.WriteLine($"Drained {final.Count} accelerator(s) in {time.GetElapsedTime(started).TotalSeconds:F1}s.");
            return 0;
        }));
        return command;
    }

    // Polls until every accelerator is Drained, printing a progress line for each whenever it changes.
    private static async Task<IReadOnlyList<Accelerator>?> WaitUntilDrainedAsync(
        FleetService.FleetServiceClient client, ControlPlaneConnection connection, IReadOnlyList<Accelerator> accelerators,
        CommandRunner runner, TimeProvider time, CancellationToken cancellationToken)
    {
        var current = accelerators.ToList();
        var shown = new Dictionary<string, string>(StringComparer.Ordinal);
        while (true)
        {
            foreach (var a in current)
            {
                var line = Progress(a, time.GetUtcNow());
                if (shown.GetValueOrDefault(a.AcceleratorId) != line)
                {
                    shown[a.AcceleratorId] = line;
                    runner.Error.WriteLine($"{a.AcceleratorId}: {line}");
                }
            }

            if (current.All(a => a.State is AcceleratorState.Drained or AcceleratorState.Decommissioned))
            {
                return current;
            }

            try
            {
                await Task.Delay(PollInterval, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            for (var i = 0; i < current.Count; i++)
            {
                if (current[i].State != AcceleratorState.Drained)
                {
                    current[i] = await client.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = current[i].AcceleratorId },
                        connection.Headers, connection.Deadline, cancellationToken);
                }
            }
        }
    }

    /// <summary>One line on where a drain stands: state, work left, what it waits for, time left.</summary>
    public static string Progress(Accelerator a, DateTimeOffset now)
    {
        var state = AcceleratorCommands.StateName(a.State);
        if (a.Drain is not { } drain)
        {
            return state;
        }

        if (a.State == AcceleratorState.Drained)
        {
            return drain.CutPlacements > 0 ? $"drained ({drain.CutPlacements} placement(s) cut over at the deadline)" : "drained";
        }

        var parts = new List<string> { state, $"{drain.RemainingPlacements} placement(s), {drain.RemainingStreams} stream(s) left" };
        if (drain.Deadline is { } deadline)
        {
            parts.Add($"deadline in {DurationText.Format(deadline.ToDateTimeOffset() - now)}");
        }

        var budgets = drain.WaitingFor.Where(w => w.StartsWith("replica ", StringComparison.Ordinal)).ToArray();
        if (budgets.Length > 0)
        {
            parts.Add($"waiting for {string.Join("; ", budgets)}");
        }

        return string.Join(", ", parts);
    }

    private static void Report(IReadOnlyList<Accelerator> accelerators, bool json, CommandRunner runner, TimeProvider time)
    {
        if (json)
        {
            var response = new AcceleratorActionResponse();
            response.Accelerators.AddRange(accelerators);
            runner.Out.WriteLine(Json.Format(response));
            return;
        }

        var now = time.GetUtcNow();
        var table = new TextTable("ID", "STATE", "DETAIL");
        foreach (var a in accelerators)
        {
            table.Add(a.AcceleratorId, AcceleratorCommands.StateName(a.State), a.Drain is null ? a.StateReason : Progress(a, now));
        }

        table.WriteTo(runner.Out);
    }
}
