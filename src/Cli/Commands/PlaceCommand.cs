using System.CommandLine;
using System.Globalization;
using ControlPlane.Cli.Output;
using ControlPlane.Contracts.V1;
using Google.Protobuf;
using Command = System.CommandLine.Command;

namespace ControlPlane.Cli.Commands;

/// <summary><c>cpctl place</c>: a dry-run placement decision, with its explanation.</summary>
public static class PlaceCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    /// <summary>Builds the command.</summary>
    public static Command Create(GlobalOptions globals, CommandRunner runner)
    {
        var deployment = new Option<string>("--deployment", "-d") { Description = "The deployment to place on.", Required = true };
        var session = new Option<string>("--session") { Description = "Session id (its sticky replica is taken into account).", DefaultValueFactory = _ => "cpctl-dry-run" };
        var tenant = new Option<string>("--tenant") { Description = "Tenant id.", DefaultValueFactory = _ => "cpctl" };
        var plan = new Option<string>("--plan") { Description = "The tenant's plan (entitlements and limits).", DefaultValueFactory = _ => "pro" };
        var effort = new Option<string?>("--effort") { Description = "Reasoning effort: low, medium, high or xhigh (xhigh means a long-horizon job)." };
        effort.AcceptOnlyFromAmong("low", "medium", "high", "xhigh");
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prompt size hint.", DefaultValueFactory = _ => 0 };
        var output = new Option<int>("--output-tokens") { Description = "Expected output size hint.", DefaultValueFactory = _ => 0 };
        var latency = new Option<string?>("--latency") { Description = "Force the latency class: interactive or long-horizon." };
        latency.AcceptOnlyFromAmong("interactive", "long-horizon");
        var explain = new Option<bool>("--explain") { Description = "Show which filters removed how many candidates, and the winner's scores." };
        var command = new Command("place", "Ask where a request would go now, without reserving anything (a dry run).")
        {
            deployment, session, tenant, plan, effort, prompt, output, latency, explain,
        };
        command.SetAction((parse, ct) => runner.RunAsync(parse, async connection =>
        {
            var client = new PlacementService.PlacementServiceClient(connection.Invoker);
            var request = new PlaceRequest
            {
                DryRun = true,
                Deployment = parse.GetValue(deployment)!,
                SessionId = parse.GetValue(session)!,
                TenantId = parse.GetValue(tenant)!,
                Plan = parse.GetValue(plan)!,
                PromptTokens = parse.GetValue(prompt),
                ExpectedOutputTokens = parse.GetValue(output),
                ReasoningEffort = parse.GetValue(effort) switch
                {
                    "low" => ReasoningEffort.Low,
                    "medium" => ReasoningEffort.Medium,
                    "high" => ReasoningEffort.High,
                    "xhigh" => ReasoningEffort.Xhigh,
                    _ => ReasoningEffort.Unspecified,
                },
                LatencyClass = parse.GetValue(latency) switch
                {
                    "interactive" => LatencyClass.Interactive,
                    "long-horizon" => LatencyClass.LongHorizon,
                    _ => LatencyClass.Unspecified,
                },
            };
            var reply = await client.PlaceAsync(request, connection.Headers, connection.Deadline, ct);
            if (globals.WantsJson(parse))
            {
                runner.Out.WriteLine(Json.Format(reply));
                return 0;
            }

            var p = reply.Placement;
            runner.Out.WriteLine($"would place on {p.ReplicaId} ({AcceleratorCommands.ClassName(p.HardwareClass)}, {p.AcceleratorId}, pool {p.Pool}) as {(reply.LatencyClass == LatencyClass.LongHorizon ? "long-horizon" : "interactive")}");
            runner.Out.WriteLine($"predicted: first token in {p.PredictedTimeToFirstToken.ToTimeSpan().TotalSeconds:0.###}s, {p.PredictedTokensPerSecond:N0} tok/s, done in {p.PredictedCompletion.ToTimeSpan().TotalSeconds:N1}s");
            if (parse.GetValue(explain))
            {
                var e = reply.Explanation;
                runner.Out.WriteLine();
                runner.Out.WriteLine($"considered {e.Considered} candidate(s){(e.ScannedAll ? ", after sampling found none, every replica" : "")}");
                var filters = new TextTable("FILTER", "REMOVED").AlignRight(1);
                foreach (var f in e.Removed)
                {
                    filters.Add(f.Filter, f.Removed.ToString(CultureInfo.InvariantCulture));
                }

                filters.WriteTo(runner.Out);
                runner.Out.WriteLine();
                var scores = new TextTable("SCORER", "SCORE", "WEIGHT", "WEIGHTED").AlignRight(1, 2, 3);
                foreach (var s in e.WinnerScores)
                {
                    scores.Add(s.Scorer, s.Score.ToString("0.000", CultureInfo.InvariantCulture), s.Weight.ToString("0.##", CultureInfo.InvariantCulture),
                        (s.Score * s.Weight).ToString("0.000", CultureInfo.InvariantCulture));
                }

                scores.Add("total", "", "", e.WinnerScores.Sum(s => s.Score * s.Weight).ToString("0.000", CultureInfo.InvariantCulture));
                scores.WriteTo(runner.Out);
            }

            return 0;
        }));
        return command;
    }
}
