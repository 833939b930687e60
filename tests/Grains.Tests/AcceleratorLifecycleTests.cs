using ControlPlane.Grains.Accelerators;
using S = ControlPlane.Grains.Accelerators.AcceleratorState;
using T = ControlPlane.Grains.Accelerators.LifecycleTrigger;

namespace ControlPlane.Grains.Tests;

public class AcceleratorLifecycleTests
{
    public static TheoryData<S, T, S> LegalMoves => new()
    {
        { S.Unregistered, T.Register, S.Registering },
        { S.Registering, T.Heartbeat, S.Active },
        { S.Registering, T.LeaseExpired, S.Lost },
        { S.Registering, T.Drain, S.Draining },
        { S.Active, T.Heartbeat, S.Active },
        { S.Active, T.Register, S.Active },
        { S.Active, T.LeaseExpired, S.Lost },
        { S.Lost, T.Heartbeat, S.Active },
        { S.Lost, T.Register, S.Registering },
        { S.Active, T.Cordon, S.Cordoned },
        { S.Cordoned, T.Uncordon, S.Active },
        { S.Active, T.Drain, S.Draining },
        { S.Cordoned, T.Drain, S.Draining },
        { S.Draining, T.DrainCompleted, S.Drained },
        { S.Draining, T.Resume, S.Active },
        { S.Drained, T.Resume, S.Active },
        { S.Drained, T.Decommission, S.Decommissioned },
        { S.Lost, T.Decommission, S.Decommissioned },
        { S.Decommissioned, T.LeaseExpired, S.Decommissioned },
    };

    [Theory]
    [MemberData(nameof(LegalMoves))]
    public void Legal_moves_reach_the_expected_state(S from, T trigger, S expected)
    {
        var transition = AcceleratorLifecycle.Apply(new LifecyclePosition(from), trigger);

        Assert.True(transition.Allowed, transition.Error);
        Assert.Equal(expected, transition.To.State);
        Assert.Null(transition.Error);
    }

    public static TheoryData<S, T, string> IllegalMoves => new()
    {
        { S.Unregistered, T.Heartbeat, "not registered" },
        { S.Unregistered, T.Cordon, "not registered" },
        { S.Decommissioned, T.Register, "decommissioned" },
        { S.Decommissioned, T.Heartbeat, "decommissioned" },
        { S.Decommissioned, T.Resume, "add it back first" },
        { S.Active, T.Readd, "only a decommissioned accelerator" },
        { S.Drained, T.Readd, "only a decommissioned accelerator" },
        { S.Active, T.Decommission, "drain it first" },
        { S.Draining, T.Decommission, "wait until it is Drained" },
        { S.Active, T.Resume, "Active" },
        { S.Active, T.DrainCompleted, "Active" },
        { S.Drained, T.Drain, "Drained" },
        { S.Draining, T.Drain, "already Draining" },
        { S.Registering, T.DrainCompleted, "Registering" },
    };

    [Theory]
    [MemberData(nameof(IllegalMoves))]
    public void Illegal_moves_are_refused_with_a_reason_and_change_nothing(S from, T trigger, string reasonMentions)
    {
        var position = new LifecyclePosition(from);

        var transition = AcceleratorLifecycle.Apply(position, trigger);

        Assert.False(transition.Allowed);
        Assert.Equal(position, transition.To);
        Assert.Contains(reasonMentions, transition.Error);
    }

    [Theory]
    [InlineData(S.Cordoned)]
    [InlineData(S.Draining)]
    [InlineData(S.Drained)]
    public void A_lost_lease_keeps_the_operators_decision_for_when_the_node_returns(S operatorState)
    {
        var lost = AcceleratorLifecycle.Apply(new LifecyclePosition(operatorState), T.LeaseExpired);
        Assert.Equal(S.Lost, lost.To.State);

        var back = AcceleratorLifecycle.Apply(lost.To, T.Heartbeat);

        Assert.Equal(operatorState, back.To.State);
    }

    [Fact]
    public void Cordoning_a_lost_accelerator_applies_when_it_comes_back()
    {
        var lost = new LifecyclePosition(S.Lost);

        var cordoned = AcceleratorLifecycle.Apply(lost, T.Cordon);
        var back = AcceleratorLifecycle.Apply(cordoned.To, T.Heartbeat);

        Assert.Equal(S.Lost, cordoned.To.State);
        Assert.Equal(S.Cordoned, back.To.State);
    }

    [Fact]
    public void Every_state_and_trigger_has_an_answer()
    {
        foreach (var state in Enum.GetValues<S>())
        {
            foreach (var trigger in Enum.GetValues<T>())
            {
                var transition = AcceleratorLifecycle.Apply(new LifecyclePosition(state), trigger);
                Assert.True(transition.Allowed || !string.IsNullOrWhiteSpace(transition.Error), $"{state} + {trigger}");
            }
        }
    }

    [Fact]
    public void Decommissioned_is_terminal_but_for_an_expiring_lease_and_an_operator_adding_it_back()
    {
        var allowed = AcceleratorLifecycle.AllowedTriggers(new LifecyclePosition(S.Decommissioned));
        var readded = AcceleratorLifecycle.Apply(new LifecyclePosition(S.Decommissioned), T.Readd);

        Assert.Equal([T.LeaseExpired, T.Readd], allowed);
        Assert.Equal(new LifecyclePosition(S.Unregistered), readded.To);
    }

    [Fact]
    public void Draining_a_lost_accelerator_holds_the_drain_for_when_its_node_returns()
    {
        var lost = new LifecyclePosition(S.Lost);

        var drained = AcceleratorLifecycle.Apply(lost, T.Drain);
        var back = AcceleratorLifecycle.Apply(drained.To, T.Heartbeat);
        var again = AcceleratorLifecycle.Apply(drained.To, T.Drain);

        Assert.Equal(new LifecyclePosition(S.Lost, S.Draining), drained.To);
        Assert.Equal(S.Draining, back.To.State);
        Assert.False(again.Allowed);
    }
}
