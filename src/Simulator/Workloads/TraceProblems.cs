namespace ControlPlane.Simulator.Workloads;

/// <summary>What to do with a trace line that cannot be read.</summary>
internal enum BadLinePolicy
{
    /// <summary>Report it (with its line number) and go on without it.</summary>
    Skip,

    /// <summary>Stop: the whole trace is refused.</summary>
    Reject,
}

/// <summary>A bad trace line: where it is and what is wrong with it.</summary>
internal sealed record TraceProblem(string Source, int Line, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Source}:{Line}: {Message}";
}

/// <summary>A trace refused under <see cref="BadLinePolicy.Reject"/>, or unreadable as a whole.</summary>
internal sealed class TraceException(string message) : Exception(message);

/// <summary>Collects bad lines, and stops at the first under <see cref="BadLinePolicy.Reject"/>.</summary>
internal sealed class TraceProblems(BadLinePolicy policy)
{
    private readonly List<TraceProblem> _problems = [];

    /// <summary>Every bad line met so far.</summary>
    public IReadOnlyList<TraceProblem> All => _problems;

    /// <summary>Records a bad line; throws under <see cref="BadLinePolicy.Reject"/>.</summary>
    public void Add(string source, int line, string message)
    {
        var problem = new TraceProblem(source, line, message);
        if (policy == BadLinePolicy.Reject)
        {
            throw new TraceException($"{problem} (pass --bad-lines skip to leave such lines out)");
        }

        _problems.Add(problem);
    }
}
