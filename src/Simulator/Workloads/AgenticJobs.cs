using ControlPlane.Placement.Deployments;

namespace ControlPlane.Simulator.Workloads;

/// <summary>
/// Parameters of synthetic long-horizon agentic jobs: a coding agent that alternates model turns with
/// tool calls (running tests, reading files) while its context grows. Defaults are chosen so that a job
/// on a large coding model at ~70 tokens/s takes 3-17 minutes, the range public reports give for such
/// agents finishing a task (see docs/evaluation.md).
/// </summary>
internal sealed record AgenticJobOptions
{
    /// <summary>Jobs to start over the run.</summary>
    public int Jobs { get; init; } = 30;

    /// <summary>Jobs start uniformly at random over this span (seconds from the run's start). Default 57 min, the Azure code trace's length.</summary>
    public double StartWithinSeconds { get; init; } = 57 * 60;

    /// <summary>Fewest model turns of a job. Default 12.</summary>
    public int MinTurns { get; init; } = 12;

    /// <summary>Most model turns of a job. Default 48.</summary>
    public int MaxTurns { get; init; } = 48;

    /// <summary>Mean output tokens of a turn (exponential, at least 20). Default 400.</summary>
    public double MeanOutputTokens { get; init; } = 400;

    /// <summary>Mean time a tool call takes between turns (exponential). Default 10 s.</summary>
    public double MeanToolSeconds { get; init; } = 10;

    /// <summary>Tokens a tool result adds to the context. Default 1,500.</summary>
    public int ToolResultTokens { get; init; } = 1_500;

    /// <summary>The first turn's prompt: system prompt, task and repository context. Default 8,000.</summary>
    public int InitialPromptTokens { get; init; } = 8_000;

    /// <summary>Problems with these options, as "name: what is wrong".</summary>
    public IEnumerable<string> Validate()
    {
        if (Jobs is < 0 or > 1_000_000) yield return $"jobs: must be 0..1000000 (got {Jobs})";
        if (StartWithinSeconds is < 0 or > 30 * 86_400) yield return $"within: must be 0..2592000 seconds (got {StartWithinSeconds})";
        if (MinTurns < 1 || MaxTurns < MinTurns || MaxTurns > 10_000) yield return $"turns: need 1 <= min ({MinTurns}) <= max ({MaxTurns}) <= 10000";
        if (MeanOutputTokens is < 1 or > 100_000) yield return $"output: must be 1..100000 tokens (got {MeanOutputTokens})";
        if (MeanToolSeconds is < 0 or > 3_600) yield return $"tool: must be 0..3600 seconds (got {MeanToolSeconds})";
        if (InitialPromptTokens is < 1 or > 1_000_000) yield return $"prompt: must be 1..1000000 tokens (got {InitialPromptTokens})";
        if (ToolResultTokens is < 0 or > 1_000_000) yield return $"tool_tokens: must be 0..1000000 tokens (got {ToolResultTokens})";
    }
}

/// <summary>One agentic job: when it starts and what each turn generates and waits for.</summary>
internal sealed class AgenticJob(int index, string id, string tenant, double startSeconds, int[] outputTokens, double[] toolSeconds, AgenticJobOptions options, string deployment, int contextWindow)
{
    /// <summary>The job's id, also its session id.</summary>
    public string Id => id;

    /// <summary>When the first turn arrives.</summary>
    public double StartSeconds => startSeconds;

    /// <summary>Model turns.</summary>
    public int Turns => outputTokens.Length;

    /// <summary>Tool time after turn <paramref name="turn"/>, before the next one arrives.</summary>
    public double ToolSecondsAfter(int turn) => toolSeconds[turn];

    /// <summary>Turn <paramref name="turn"/> (0-based) arriving at <paramref name="at"/>: its prompt is everything so far.</summary>
    public SimRequest Turn(long requestId, int turn, double at)
    {
        var prompt = options.InitialPromptTokens;
        for (var i = 0; i < turn; i++)
        {
            prompt += outputTokens[i] + options.ToolResultTokens;
        }

        // Long jobs outgrow the window: the agent compacts its history to stay inside it.
        var output = outputTokens[turn];
        prompt = Math.Min(prompt, Math.Max(1, contextWindow - output));
        var blocks = new long[prompt / SimRequest.BlockTokens];
        var seed = (long)(index + 1) << 24; // stable across runs, unlike string hashes
        for (var b = 0; b < blocks.Length; b++)
        {
            blocks[b] = seed + b; // this job's context, block by block: the next turn shares all of it
        }

        return new SimRequest(requestId, at, id, tenant, prompt, output, blocks, LatencyClass.LongHorizon, deployment, "agentic");
    }

    /// <summary>Draws <paramref name="options"/>.Jobs jobs with <paramref name="random"/>.</summary>
    public static IReadOnlyList<AgenticJob> Generate(AgenticJobOptions options, string deployment, int contextWindow, Random random)
    {
        var jobs = new List<AgenticJob>(options.Jobs);
        for (var j = 0; j < options.Jobs; j++)
        {
            var turns = random.Next(options.MinTurns, options.MaxTurns + 1);
            var outputs = new int[turns];
            var tools = new double[turns];
            for (var t = 0; t < turns; t++)
            {
                outputs[t] = Math.Max(20, (int)Exponential(random, options.MeanOutputTokens));
                tools[t] = Exponential(random, options.MeanToolSeconds);
            }

            jobs.Add(new AgenticJob(j, $"job-{j:D5}", $"agents-{j % 8}", random.NextDouble() * options.StartWithinSeconds, outputs, tools, options, deployment, contextWindow));
        }

        return jobs;
    }

    private static double Exponential(Random random, double mean) => mean <= 0 ? 0 : -mean * Math.Log(1 - random.NextDouble());
}
