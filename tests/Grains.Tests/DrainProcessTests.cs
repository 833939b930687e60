using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Accelerators.Operations;
using ControlPlane.Grains.Replicas;

namespace ControlPlane.Grains.Tests;

public sealed class DrainProcessTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);
    private static readonly DrainProcess Process = new(startGrace: TimeSpan.FromSeconds(10), askInterval: TimeSpan.FromSeconds(1));
    private static readonly LifecyclePosition Draining = new(AcceleratorState.Draining);

    private static HostedReplica Hosted(string id, bool primary = true, string primaryId = "") => new(id, "d", 1, 10, primary, primaryId);

    private static DrainRecord Drain(bool movingWork = true, TimeSpan? deadline = null, params string[] released)
    {
        var drain = new DrainRecord { StartedAt = Start, MovingWork = movingWork, Deadline = deadline is { } d ? Start + d : null };
        drain.Released.UnionWith(released);
        return drain;
    }

    private static DrainFacts Facts(DrainRecord? drain, HostedReplica[]? hosted = null, int reservations = 0, int streams = 0, int? elsewhere = 0,
        TimeSpan? at = null, LifecyclePosition? lifecycle = null, DateTimeOffset? lastAsked = null) =>
        new(lifecycle ?? Draining, drain, hosted ?? [], reservations, streams, elsewhere, lastAsked ?? DateTimeOffset.MinValue, Start + (at ?? TimeSpan.FromSeconds(1)));

    [Fact]
    public void An_idle_accelerator_with_nothing_hosted_is_drained_at_once()
    {
        var step = Process.Next(Facts(Drain()));

        Assert.Equal(DrainAction.Complete, step.Action);
        Assert.Equal("drained: no work left after 1.0s", step.Reason);
    }

    [Fact]
    public void Deployments_are_asked_for_every_replica_not_yet_released_at_most_once_per_interval()
    {
        var hosted = new[] { Hosted("d-0"), Hosted("d-1") };

        var first = Process.Next(Facts(Drain(true, null, "d-1"), hosted));
        var tooSoon = Process.Next(Facts(Drain(true, null, "d-1"), hosted, at: TimeSpan.FromSeconds(1.5), lastAsked: Start + TimeSpan.FromSeconds(1)));

        Assert.Equal(DrainAction.AskDeployments, first.Action);
        Assert.Equal(["d-0"], first.AskFor);
        Assert.Equal(DrainAction.Wait, tooSoon.Action);
    }

    [Fact]
    public void Work_does_not_move_until_the_operator_api_says_go_or_the_start_grace_passes()
    {
        var hosted = new[] { Hosted("d-0") };

        var held = Process.Next(Facts(Drain(movingWork: false), hosted, at: TimeSpan.FromSeconds(9)));
        var afterGrace = Process.Next(Facts(Drain(movingWork: false), hosted, at: TimeSpan.FromSeconds(10)));

        Assert.Equal(new DrainStep(DrainAction.Wait), held);
        Assert.Equal(DrainAction.AskDeployments, afterGrace.Action);
        Assert.True(afterGrace.StartMovingWork);
    }

    [Fact]
    public void Work_held_by_primaries_is_counted_only_once_nothing_else_is_left()
    {
        var secondary = new[] { Hosted("d-0", primary: false, primaryId: "w0") };
        var drain = Drain(true, null, "d-0");

        var busyHere = Process.Next(Facts(drain, secondary, reservations: 1, elsewhere: null));
        var count = Process.Next(Facts(drain, secondary, elsewhere: null));
        var counted = Process.Next(Facts(drain, secondary, elsewhere: 0));
        var primaryOnly = Process.Next(Facts(Drain(true, null, "d-1"), [Hosted("d-1")], elsewhere: null));

        Assert.Equal(DrainAction.Wait, busyHere.Action);
        Assert.Equal(DrainAction.CountWorkElsewhere, count.Action);
        Assert.Equal(DrainAction.Complete, counted.Action);
        Assert.Equal(DrainAction.Complete, primaryOnly.Action); // nothing to count
    }

    [Theory]
    [InlineData(1, 0, 0)]
    [InlineData(0, 2, 0)]
    [InlineData(0, 0, 3)]
    public void A_drain_with_every_replica_released_waits_for_placements_streams_and_work_held_by_primaries(int reservations, int streams, int elsewhere)
    {
        var facts = Facts(Drain(true, null, "d-0"), [Hosted("d-0", primary: false, primaryId: "w0")], reservations, streams, elsewhere);

        Assert.Equal(DrainAction.Wait, Process.Next(facts).Action);
        Assert.Single(DrainProcess.WaitingFor(facts));
    }

    [Fact]
    public void At_the_deadline_what_is_left_is_cut_over_whatever_the_budgets_say()
    {
        var step = Process.Next(Facts(Drain(true, TimeSpan.FromMinutes(5)), [Hosted("d-0")], reservations: 3, at: TimeSpan.FromMinutes(5)));

        Assert.Equal(DrainAction.CutOver, step.Action);
        Assert.Equal("drain deadline passed: 3 placement(s) cut over", step.Reason);
    }

    [Fact]
    public void A_lost_node_past_the_deadline_finishes_its_drain_and_one_before_it_waits_for_the_node()
    {
        var lost = new LifecyclePosition(AcceleratorState.Lost, AcceleratorState.Draining);
        var drain = Drain(true, TimeSpan.FromMinutes(5));

        var before = Facts(drain, [Hosted("d-0")], at: TimeSpan.FromMinutes(4), lifecycle: lost);
        var after = Facts(drain, [Hosted("d-0")], at: TimeSpan.FromMinutes(5), lifecycle: lost);

        Assert.Equal(DrainAction.None, Process.Next(before).Action);
        Assert.Equal("the node is not connected (Lost); the drain goes on when it returns", DrainProcess.WaitingFor(before)[0]);
        Assert.Equal(DrainAction.FinishWhileLost, Process.Next(after).Action);
    }

    [Fact]
    public void A_completed_drain_does_nothing_more()
    {
        var drain = Drain();
        drain.CompletedAt = Start;

        Assert.Equal(DrainAction.None, Process.Next(Facts(drain, reservations: 1)).Action);
        Assert.Empty(DrainProcess.WaitingFor(Facts(drain, reservations: 1)));
    }

    [Fact]
    public void A_draining_accelerator_serves_only_sessions_already_on_replicas_their_deployment_holds()
    {
        var drain = Drain(true, null, "released");
        var cut = Drain();
        cut.CutOverAll(2, ["held"]);

        Assert.True(DrainProcess.TakesTurns(AcceleratorState.Active, null, "any", sessionTurn: false));
        Assert.True(DrainProcess.TakesTurns(AcceleratorState.Draining, drain, "held", sessionTurn: true));
        Assert.False(DrainProcess.TakesTurns(AcceleratorState.Draining, drain, "held", sessionTurn: false));
        Assert.False(DrainProcess.TakesTurns(AcceleratorState.Draining, drain, "released", sessionTurn: true));
        Assert.False(DrainProcess.TakesTurns(AcceleratorState.Draining, cut, "held", sessionTurn: true));
        Assert.False(DrainProcess.TakesTurns(AcceleratorState.Cordoned, null, "any", sessionTurn: true));
    }
}
