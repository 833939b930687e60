using System.CommandLine;

namespace ControlPlane.Cli.Commands;

/// <summary>The <c>--request-id</c> flag of mutating commands: a retry with the same id acts once.</summary>
public static class RequestIdFlag
{
    /// <summary>A new <c>--request-id</c> option.</summary>
    public static Option<string?> Create() => new("--request-id")
    {
        Description = "Client-chosen id that makes a retry act once (default: a fresh id per invocation).",
    };

    /// <summary>The id given, or a fresh one.</summary>
    public static string ValueOf(ParseResult parse, Option<string?> option) => parse.GetValue(option) ?? $"cpctl-{Guid.NewGuid():N}";
}
