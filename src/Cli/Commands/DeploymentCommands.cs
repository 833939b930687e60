using System.CommandLine;
using System.Globalization;
using ControlPlane.Cli.Output;
using ControlPlane.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Command = System.CommandLine.Command;

namespace ControlPlane.Cli.Commands;

/// <summary><c>cpctl deployments create|list|show|scale|delete</c>.</summary>
public static class DeploymentCommands
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    /// <summary>Builds the <c>deployments</c> command group.</summary>
    public static Command Create(GlobalOptions globals, CommandRunner runner)
    {
        var group = new Command("deployments", "Declare, scale and inspect deployments (a model and how it must be served).");
        group.Aliases.Add("dep");
        group.Subcommands.Add(CreateCommand(globals, runner));
        group.Subcommands.Add(List(globals, runner));
        group.Subcommands.Add(Show(globals, runner));
        group.Subcommands.Add(Scale(globals, runner));
        group.Subcommands.Add(Delete(globals, runner));
        return group;
    }

    private static Command CreateCommand(GlobalOptions globals, CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "Deployment name: lowercase letters, digits, '-' and '.'." };
        var model = new Option<string>("--model") { Description = "Model name, e.g. fast-coder-32b.", Required = true };
        var parameters = new Option<string>("--parameters") { Description = "Active parameters per token: a number, or with a suffix: 32B, 400B, 7.5B, 900M.", Required = true };
        var layers = new Option<int>("--layers") { Description = "Transformer layers.", Required = true };
        var precision = new Option<string>("--precision") { Description = "Weight precision: bf16, fp8 or int4.", DefaultValueFactory = _ => "bf16" };
        precision.AcceptOnlyFromAmong("bf16", "fp8", "int4");
        var kv = new Option<long>("--kv-bytes-per-token") { Description = "KV-cache bytes per token of context (e.g. 262144 for 64 layers × 8 KV heads × 128 × 2 × 2 bytes).", Required = true };
        var context = new Option<int>("--context") { Description = "Context window in tokens.", DefaultValueFactory = _ => 32_768 };
        var classes = new Option<string>("--classes") { Description = "Allowed hardware, in order of preference: wafer-scale, gpu, or both comma-separated.", DefaultValueFactory = _ => "wafer-scale,gpu" };
        var replicas = new Option<int>("--replicas") { Description = "Desired replicas.", DefaultValueFactory = _ => 1 };
        var minReplicas = new Option<int>("--min-replicas") { Description = "Fewest ready replicas a drain may leave (disruption budget).", DefaultValueFactory = _ => 0 };
        var maxReplicas = new Option<int>("--max-replicas") { Description = "Most replicas while busy (free hardware is used for them); 0 = never scale on load.", DefaultValueFactory = _ => 0 };
        var ttft = new Option<double>("--ttft") { Description = "SLO: seconds to first token for interactive requests.", DefaultValueFactory = _ => 1 };
        var minTps = new Option<double>("--min-tokens-per-second") { Description = "SLO: least decode speed per interactive stream.", DefaultValueFactory = _ => 0 };
        var completion = new Option<double>("--long-completion-minutes") { Description = "SLO: most minutes a long-horizon job may take.", DefaultValueFactory = _ => 30 };
        var plans = new Option<string?>("--plans") { Description = "Plans entitled to it, comma-separated (default: every plan)." };
        var latency = new Option<string>("--latency") { Description = "Latency class of requests that give no hint: interactive or long-horizon.", DefaultValueFactory = _ => "interactive" };
        latency.AcceptOnlyFromAmong("interactive", "long-horizon");
        var requestId = RequestIdFlag.Create();
        var command = new Command("create", "Declare a deployment; the control plane places its replicas and tells agents to load them.")
        {
            name, model, parameters, layers, precision, kv, context, classes, replicas, minReplicas, maxReplicas, ttft, minTps, completion, plans, latency, requestId,
        };
        command.SetAction((parse, ct) =>
        {
            if (!TryParseCount(parse.GetValue(parameters)!, out var parameterCount))
            {
                runner.Error.WriteLine($"error: --parameters must be a number like 32000000000, 32B or 900M (got '{parse.GetValue(parameters)}')");
                return Task.FromResult(2);
            }

            var allowed = parse.GetValue(classes)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (allowed.Length == 0 || allowed.Any(c => c is not ("wafer-scale" or "gpu")))
            {
                runner.Error.WriteLine($"error: --classes must list wafer-scale and/or gpu, comma-separated (got '{parse.GetValue(classes)}')");
                return Task.FromResult(2);
            }

            var deployment = new Deployment
            {
                Name = parse.GetValue(name)!,
                Model = parse.GetValue(model)!,
                Parameters = parameterCount,
                Layers = parse.GetValue(layers),
                Precision = parse.GetValue(precision) switch { "fp8" => Precision.Fp8, "int4" => Precision.Int4, _ => Precision.Bf16 },
                KvBytesPerToken = parse.GetValue(kv),
                ContextWindowTokens = parse.GetValue(context),
                DesiredReplicas = parse.GetValue(replicas),
                MaxReplicas = parse.GetValue(maxReplicas),
                MinReplicas = parse.GetValue(minReplicas),
                Slo = new ServiceLevelObjective
                {
                    TimeToFirstToken = Duration.FromTimeSpan(TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(ttft), -1e6, 1e6))),
                    MinTokensPerSecond = parse.GetValue(minTps),
                    LongHorizonCompletion = Duration.FromTimeSpan(TimeSpan.FromMinutes(Math.Clamp(parse.GetValue(completion), -1e6, 1e6))),
                },
                DefaultLatencyClass = parse.GetValue(latency) == "long-horizon" ? LatencyClass.LongHorizon : LatencyClass.Interactive,
            };
            deployment.AllowedClasses.AddRange(allowed.Select(c => c == "gpu" ? HardwareClass.Gpu : HardwareClass.WaferScale));
            deployment.EntitledPlans.AddRange((parse.GetValue(plans) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
            return runner.RunAsync(parse, async connection =>
            {
                var client = new DeploymentService.DeploymentServiceClient(connection.Invoker);
                var created = await client.CreateDeploymentAsync(new CreateDeploymentRequest { RequestId = RequestIdFlag.ValueOf(parse, requestId), Deployment = deployment },
                    connection.Headers, connection.Deadline, ct);
                return Print(globals, runner, parse, created);
            });
        });
        return command;
    }

    private static Command List(GlobalOptions globals, CommandRunner runner)
    {
        var command = new Command("list", "List deployments with their ready and desired replicas.");
        command.SetAction((parse, ct) => runner.RunAsync(parse, async connection =>
        {
            var client = new DeploymentService.DeploymentServiceClient(connection.Invoker);
            var all = await client.ListDeploymentsAsync(new ListDeploymentsRequest(), connection.Headers, connection.Deadline, ct);
            if (globals.WantsJson(parse))
            {
                runner.Out.WriteLine(Json.Format(all));
                return 0;
            }

            if (all.Deployments.Count == 0)
            {
                runner.Error.WriteLine("No deployments. Create one with: cpctl deployments create NAME --model ... (see --help).");
                return 0;
            }

            var table = new TextTable("NAME", "MODEL", "WEIGHTS", "CLASSES", "READY", "DESIRED", "SLOTS", "PROBLEMS").AlignRight(2, 4, 5, 6);
            foreach (var d in all.Deployments)
            {
                table.Add(d.Name, d.Model, $"{d.WeightsBytes / 1e9:N0} GB", string.Join(",", d.AllowedClasses.Select(AcceleratorCommands.ClassName)),
                    d.ReadyReplicas.ToString(CultureInfo.InvariantCulture), d.DesiredReplicas.ToString(CultureInfo.InvariantCulture),
                    d.Replicas.Sum(r => r.Slots).ToString(CultureInfo.InvariantCulture),
                    d.PlacementProblems.Count == 0 ? "-" : d.PlacementProblems[0]);
            }

            table.WriteTo(runner.Out);
            return 0;
        }));
        return command;
    }

    private static Command Show(GlobalOptions globals, CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The deployment's name." };
        var command = new Command("show", "Show a deployment's spec, SLO and every replica.") { name };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async connection =>
        {
            var client = new DeploymentService.DeploymentServiceClient(connection.Invoker);
            var d = await client.GetDeploymentAsync(new GetDeploymentRequest { Name = parse.GetValue(name)! }, connection.Headers, connection.Deadline, ct);
            return Print(globals, runner, parse, d);
        }));
        return command;
    }

    private static Command Scale(GlobalOptions globals, CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The deployment's name." };
        var replicas = new Option<int>("--replicas") { Description = "Desired replicas.", Required = true };
        var minReplicas = new Option<int>("--min-replicas") { Description = "New disruption budget (default: unchanged).", DefaultValueFactory = _ => -1 };
        var requestId = RequestIdFlag.Create();
        var command = new Command("scale", "Set a deployment's desired (and minimum) replicas.") { name, replicas, minReplicas, requestId };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async connection =>
        {
            var client = new DeploymentService.DeploymentServiceClient(connection.Invoker);
            var d = await client.ScaleDeploymentAsync(new ScaleDeploymentRequest
            {
                RequestId = RequestIdFlag.ValueOf(parse, requestId),
                Name = parse.GetValue(name)!,
                DesiredReplicas = parse.GetValue(replicas),
                MinReplicas = parse.GetValue(minReplicas),
            }, connection.Headers, connection.Deadline, ct);
            return Print(globals, runner, parse, d);
        }));
        return command;
    }

    private static Command Delete(GlobalOptions globals, CommandRunner runner)
    {
        var name = new Argument<string>("name") { Description = "The deployment's name." };
        var requestId = RequestIdFlag.Create();
        var command = new Command("delete", "Unload every replica of a deployment and forget it.") { name, requestId };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async connection =>
        {
            var client = new DeploymentService.DeploymentServiceClient(connection.Invoker);
            await client.DeleteDeploymentAsync(new DeleteDeploymentRequest { RequestId = RequestIdFlag.ValueOf(parse, requestId), Name = parse.GetValue(name)! },
                connection.Headers, connection.Deadline, ct);
            runner.Out.WriteLine($"deployment {parse.GetValue(name)} deleted");
            return 0;
        }));
        return command;
    }

    private static int Print(GlobalOptions globals, CommandRunner runner, ParseResult parse, Deployment d)
    {
        if (globals.WantsJson(parse))
        {
            runner.Out.WriteLine(Json.Format(d));
            return 0;
        }

        var fields = new FieldList();
        fields.Add("Name", d.Name);
        fields.Add("Model", $"{d.Model}: {d.Parameters / 1e9:0.#}B parameters, {d.Layers} layers, {d.Precision.ToString().ToLowerInvariant()}, {d.WeightsBytes / 1e9:N0} GB of weights");
        fields.Add("Context", $"{d.ContextWindowTokens:N0} tokens ({d.KvBytesPerToken:N0} KV bytes per token)");
        fields.Add("Classes", string.Join(", ", d.AllowedClasses.Select(AcceleratorCommands.ClassName)));
        fields.Add("Replicas", $"{d.ReadyReplicas} ready of {d.DesiredReplicas} desired (at least {d.MinReplicas})");
        fields.Add("SLO", $"first token within {d.Slo.TimeToFirstToken.ToTimeSpan().TotalSeconds:0.###}s, at least {d.Slo.MinTokensPerSecond:N0} tok/s; long jobs within {d.Slo.LongHorizonCompletion.ToTimeSpan().TotalMinutes:0.#} min");
        fields.Add("Plans", d.EntitledPlans.Count == 0 ? "every plan" : string.Join(", ", d.EntitledPlans));
        fields.Add("Default class", d.DefaultLatencyClass == LatencyClass.LongHorizon ? "long-horizon" : "interactive");
        foreach (var problem in d.PlacementProblems)
        {
            fields.Add("Problem", problem);
        }

        fields.WriteTo(runner.Out);

        if (d.Replicas.Count > 0)
        {
            runner.Out.WriteLine();
            var table = new TextTable("REPLICA", "STATE", "SKU", "ACCELERATORS", "DEVICES", "SLOTS", "ENDPOINT", "MESSAGE").AlignRight(4, 5);
            foreach (var r in d.Replicas)
            {
                table.Add(r.ReplicaId, ReplicaStateName(r.State), r.Sku, string.Join(",", r.AcceleratorIds),
                    (r.DevicesPerAccelerator * r.AcceleratorIds.Count).ToString(CultureInfo.InvariantCulture), r.Slots.ToString(CultureInfo.InvariantCulture),
                    r.Endpoint.Length == 0 ? "-" : r.Endpoint, r.Message);
            }

            table.WriteTo(runner.Out);
        }

        return 0;
    }

    private static string ReplicaStateName(ReplicaState state) => state switch
    {
        ReplicaState.ReplicaLoading => "loading",
        ReplicaState.ReplicaReady => "ready",
        ReplicaState.ReplicaFailed => "failed",
        ReplicaState.ReplicaUnloading => "unloading",
        _ => "-",
    };

    /// <summary>Parses 32000000000, 32B, 7.5B or 900M.</summary>
    public static bool TryParseCount(string text, out long count)
    {
        count = 0;
        var multiplier = 1.0;
        var number = text.Trim();
        if (number.EndsWith('B') || number.EndsWith('b'))
        {
            multiplier = 1e9;
            number = number[..^1];
        }
        else if (number.EndsWith('M') || number.EndsWith('m'))
        {
            multiplier = 1e6;
            number = number[..^1];
        }

        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0 || value * multiplier > 1e15)
        {
            return false;
        }

        count = (long)Math.Round(value * multiplier);
        return true;
    }
}
