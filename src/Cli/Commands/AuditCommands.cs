using System.CommandLine;
using System.Globalization;
using ControlPlane.Cli.Output;
using ControlPlane.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Command = System.CommandLine.Command;

namespace ControlPlane.Cli.Commands;

/// <summary><c>cpctl audit list</c>: who did what to the fleet, when, why, and how it ended.</summary>
public static class AuditCommands
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    /// <summary>Builds the <c>audit</c> command group.</summary>
    public static Command Create(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        var group = new Command("audit", "Read the audit log of operator actions.");
        group.Subcommands.Add(List(globals, runner, time));
        return group;
    }

    private static Command List(GlobalOptions globals, CommandRunner runner, TimeProvider time)
    {
        var actor = new Option<string?>("--actor") { Description = "Only actions by this operator (their token's subject)." };
        var action = new Option<string?>("--action") { Description = "Only this action: cordon, uncordon, drain, resume, decommission, readd, deployments.create ..." };
        var target = new Option<string?>("--target") { Description = "Only actions on this accelerator or deployment." };
        var since = new Option<string?>("--since") { Description = "Only actions in this last span (e.g. 1h, 2d) or since this UTC time (2026-11-23T10:00:00Z). Default: 7d." };
        var until = new Option<string?>("--until") { Description = "Only actions before this UTC time. Default: now." };
        var limit = new Option<int>("--limit") { Description = "Show at most this many, newest first.", DefaultValueFactory = _ => 50 };
        limit.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 10_000)
            {
                r.AddError("--limit must be 1..10000");
            }
        });
        foreach (var option in new[] { since, until })
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<string?>() is { } text && ParseTime(text, time.GetUtcNow()) is null)
                {
                    r.AddError($"{option.Name}: '{text}' is neither a span (30m, 2d) nor a UTC time (2026-11-23T10:00:00Z)");
                }
            });
        }

        var command = new Command("list", "List operator actions, newest first: time, actor, action, targets, result and reason.")
        {
            actor, action, target, since, until, limit,
        };
        command.SetAction((parse, cancellationToken) => runner.RunAsync(parse, async connection =>
        {
            var now = time.GetUtcNow();
            var request = new ListAuditEntriesRequest
            {
                Actor = parse.GetValue(actor) ?? "",
                Action = parse.GetValue(action) ?? "",
                Target = parse.GetValue(target) ?? "",
            };
            if (parse.GetValue(since) is { } from)
            {
                request.StartTime = Timestamp.FromDateTimeOffset(ParseTime(from, now)!.Value);
            }

            if (parse.GetValue(until) is { } to)
            {
                request.EndTime = Timestamp.FromDateTimeOffset(ParseTime(to, now)!.Value);
            }

            var client = new AuditService.AuditServiceClient(connection.Invoker);
            var wanted = parse.GetValue(limit);
            var all = new ListAuditEntriesResponse();
            do
            {
                request.PageSize = Math.Min(1000, wanted - all.Entries.Count);
                var page = await client.ListAuditEntriesAsync(request, connection.Headers, connection.Deadline, cancellationToken);
                all.Entries.AddRange(page.Entries);
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && all.Entries.Count < wanted);

            if (globals.WantsJson(parse))
            {
                runner.Out.WriteLine(Json.Format(all));
                return 0;
            }

            if (all.Entries.Count == 0)
            {
                runner.Error.WriteLine("No audit entries match.");
                return 0;
            }

            var table = new TextTable("TIME (UTC)", "ACTOR", "ACTION", "TARGETS", "RESULT", "REASON");
            foreach (var e in all.Entries)
            {
                table.Add(e.Time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture), e.Actor, e.Action,
                    string.Join(",", e.Targets), e.Result == "OK" ? "OK" : $"{e.Result}: {Shorten(e.ResultMessage)}", e.Reason);
            }

            table.WriteTo(runner.Out);
            return 0;
        }));
        return command;
    }

    // A span back from now (2d) or an absolute UTC time.
    private static DateTimeOffset? ParseTime(string text, DateTimeOffset now)
    {
        if (DurationText.TryParse(text, out var span, out _) && !text.Contains(':'))
        {
            return now - span;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at) ? at : null;
    }

    private static string Shorten(string message) => message.Length <= 60 ? message : message[..57] + "...";
}
