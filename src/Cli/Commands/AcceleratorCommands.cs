using System.CommandLine;
using Command = System.CommandLine.Command;
using System.Globalization;
using ControlPlane.Cli.Output;
using ControlPlane.Contracts.V1;
using Google.Protobuf;

namespace ControlPlane.Cli.Commands;

/// <summary><c>cpctl accelerators list|show</c>.</summary>
public static class AcceleratorCommands
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    /// <summary>Builds the <c>accelerators</c> command group.</summary>
    public static Command Create(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        var group = new Command("accelerators", "List and inspect the fleet's accelerators (wafer-scale systems and GPU nodes).");
        group.Aliases.Add("acc");
        group.Subcommands.Add(List(globals, runner, time));
        group.Subcommands.Add(Show(globals, runner, time));
        return group;
    }

    private static Command List(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        var classOption = new Option<string?>("--class") { Description = "Only this hardware class: wafer-scale or gpu." };
        classOption.AcceptOnlyFromAmong("wafer-scale", "gpu");
        var poolOption = new Option<string?>("--pool") { Description = "Only this pool, e.g. gpu/us-east/use1-az1." };
        var stateOption = new Option<string?>("--state") { Description = "Only this state: registering, active, lost, cordoned, draining, drained, decommissioned." };
        stateOption.AcceptOnlyFromAmong("registering", "active", "lost", "cordoned", "draining", "drained", "decommissioned");
        var nodeOption = new Option<string?>("--node") { Description = "Only the accelerators of this node." };
        var limitOption = new Option<int>("--limit") { Description = "Show at most this many (0: all, fetched page by page).", DefaultValueFactory = _ => 0 };
        limitOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 0)
            {
                r.AddError("--limit must be 0 or more");
            }
        });

        var command = new Command("list", "List accelerators with their state, load and heartbeat age, ordered by id.")
        {
            classOption, poolOption, stateOption, nodeOption, limitOption,
        };
        command.SetAction((parse, cancellationToken) => runner.RunAsync(parse, async connection =>
        {
            var client = new FleetService.FleetServiceClient(connection.Invoker);
            var request = new ListAcceleratorsRequest
            {
                HardwareClass = parse.GetValue(classOption) switch
                {
                    "wafer-scale" => HardwareClass.WaferScale,
                    "gpu" => HardwareClass.Gpu,
                    _ => HardwareClass.Unspecified,
                },
                Pool = parse.GetValue(poolOption) ?? "",
                State = ParseState(parse.GetValue(stateOption)),
                NodeId = parse.GetValue(nodeOption) ?? "",
            };
            var limit = parse.GetValue(limitOption);
            var all = new ListAcceleratorsResponse();
            do
            {
                request.PageSize = limit == 0 ? 500 : Math.Min(500, limit - all.Accelerators.Count);
                var page = await client.ListAcceleratorsAsync(request, connection.Headers, connection.Deadline, cancellationToken);
                all.Accelerators.AddRange(page.Accelerators);
                all.TotalSize = page.TotalSize;
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && (limit == 0 || all.Accelerators.Count < limit));

            if (globals.WantsJson(parse))
            {
                runner.Out.WriteLine(Json.Format(all));
                return 0;
            }

            if (all.Accelerators.Count == 0)
            {
                runner.Error.WriteLine("No accelerators match.");
                return 0;
            }

            var now = time.GetUtcNow();
            var table = new TextTable("ID", "CLASS", "SKU", "POOL", "STATE", "UTIL", "STREAMS", "TOKENS/S", "HEARTBEAT").AlignRight(5, 6, 7, 8);
            foreach (var a in all.Accelerators)
            {
                table.Add(a.AcceleratorId, ClassName(a.HardwareClass), a.Sku, a.Pool, StateName(a.State),
                    a.Telemetry.Utilization.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", ""),
                    a.Telemetry.ActiveStreams.ToString(CultureInfo.InvariantCulture),
                    a.Telemetry.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                    Age(a.LastHeartbeatTime, now));
            }

            table.WriteTo(runner.Out);
            return 0;
        }));
        return command;
    }

    private static Command Show(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        var idArgument = new Argument<string>("id") { Description = "The accelerator's id." };
        var command = new Command("show", "Show everything known about one accelerator.") { idArgument };
        command.SetAction((parse, cancellationToken) => runner.RunAsync(parse, async connection =>
        {
            var client = new FleetService.FleetServiceClient(connection.Invoker);
            var a = await client.GetAcceleratorAsync(new GetAcceleratorRequest { AcceleratorId = parse.GetValue(idArgument)! },
                connection.Headers, connection.Deadline, cancellationToken);
            if (globals.WantsJson(parse))
            {
                runner.Out.WriteLine(Json.Format(a));
                return 0;
            }

            var now = time.GetUtcNow();
            var t = a.Telemetry;
            var fields = new FieldList()
                .Add("ID", a.AcceleratorId)
                .Add("Node", a.NodeId)
                .Add("Class", ClassName(a.HardwareClass))
                .Add("SKU", a.Sku)
                .Add("Memory", $"{Gigabytes(a.MemoryBytes)} {(a.MemoryKind == MemoryKind.Sram ? "SRAM" : "HBM")}, {a.MemoryBandwidthBytesPerSecond / 1e12:N2} TB/s")
                .Add("GPUs", a.GpuCount == 0 ? "-" : $"{a.GpuCount} x {Gigabytes(a.MemoryBytesPerGpu)}")
                .Add("Pool", a.Pool)
                .Add("Location", $"region {a.Location.Region}, zone {a.Location.Zone}{(a.Location.Rack.Length > 0 ? $", rack {a.Location.Rack}" : "")}")
                .Add("State", $"{StateName(a.State)} since {Age(a.StateChangeTime, now)} ago ({a.StateReason})")
                .Add("Heartbeat", a.LastHeartbeatTime is null ? "never" : $"{Age(a.LastHeartbeatTime, now)} ago")
                .Add("Lease expires", a.LeaseExpireTime is null ? "-" : $"{a.LeaseExpireTime.ToDateTimeOffset():u}")
                .Add("Health", HealthName(t.Health))
                .Add("Utilisation", t.Utilization.ToString("P0", CultureInfo.InvariantCulture).Replace(" ", ""))
                .Add("Active streams", t.ActiveStreams.ToString(CultureInfo.InvariantCulture))
                .Add("Tokens/s", t.TokensPerSecond.ToString("N0", CultureInfo.InvariantCulture))
                .Add("Free memory", Gigabytes(t.FreeMemoryBytes));
            if (a.Drain is { } drain)
            {
                fields.Add("Drain", LifecycleCommands.Progress(a, now))
                    .Add("Drain asked by", $"{drain.RequestedBy} {Age(drain.StartTime, now)} ago: {drain.Reason}{(drain.Force ? " (forced)" : "")}");
                foreach (var waiting in drain.WaitingFor)
                {
                    fields.Add("Drain waits for", waiting);
                }
            }

            fields.WriteTo(runner.Out);

            foreach (var replica in a.Replicas)
            {
                runner.Out.WriteLine($"  replica {replica.ReplicaId} ({replica.Deployment}): {replica.Devices} device(s), " +
                    $"{replica.ReservedSlots}/{replica.Slots} slots reserved{(replica.Primary ? "" : ", secondary")}{(replica.Held ? $", held: {replica.HoldReason}" : "")}");
            }

            foreach (var gpu in a.Gpus)
            {
                runner.Out.WriteLine($"  gpu {gpu.Index}: {gpu.Name} {Gigabytes(gpu.MemoryBytes)} {gpu.Uuid}");
            }

            return 0;
        }));
        return command;
    }

    /// <summary>"wafer-scale" or "gpu".</summary>
    public static string ClassName(HardwareClass value) => value switch
    {
        HardwareClass.WaferScale => "wafer-scale",
        HardwareClass.Gpu => "gpu",
        _ => "-",
    };

    /// <summary>The lowercase state name cpctl shows and accepts.</summary>
    public static string StateName(AcceleratorState state) =>
        state == AcceleratorState.Unspecified ? "-" : state.ToString().ToLowerInvariant();

    private static AcceleratorState ParseState(string? name) =>
        name is null ? AcceleratorState.Unspecified : Enum.Parse<AcceleratorState>(name, ignoreCase: true);

    private static string HealthName(HealthStatus health) =>
        health == HealthStatus.Unspecified ? "unknown" : health.ToString().ToLowerInvariant();

    private static string Gigabytes(long bytes) => $"{bytes / 1e9:N1} GB";

    /// <summary>A short age like 4s, 3m05s or 2h10m; "-" when never.</summary>
    public static string Age(Google.Protobuf.WellKnownTypes.Timestamp? at, DateTimeOffset now)
    {
        if (at is null)
        {
            return "-";
        }

        return DurationText.Format(now - at.ToDateTimeOffset()); // a negative age (clocks differ slightly) shows as 0s
    }
}
