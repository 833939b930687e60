using ControlPlane.Grains.Accelerators;

namespace ControlPlane.Grains.Tests;

public sealed class SlotReservationsTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 8, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_retried_reservation_keeps_its_one_slot_and_moves_its_lease()
    {
        var slots = new SlotReservations();
        slots.Reserve("r", "p1", Now.AddMinutes(2));

        var active = slots.Reserve("r", "p1", Now.AddMinutes(5));

        Assert.Equal(1, active);
        Assert.Empty(slots.Expire(Now.AddMinutes(3)));
        Assert.Single(slots.Expire(Now.AddMinutes(5)));
    }

    [Fact]
    public void Slots_are_counted_per_replica_and_freed_once()
    {
        var slots = new SlotReservations();
        slots.Reserve("a", "p1", Now);
        slots.Reserve("a", "p2", Now);
        slots.Reserve("b", "p3", Now);

        Assert.True(slots.Release("p1"));
        Assert.False(slots.Release("p1"));
        Assert.Equal(1, slots.ActiveOf("a"));
        Assert.Equal(2, slots.Count);
    }

    [Fact]
    public void Expired_leases_free_their_slots_and_are_reported()
    {
        var slots = new SlotReservations();
        slots.Reserve("a", "old", Now);
        slots.Reserve("a", "new", Now.AddMinutes(1));

        var expired = slots.Expire(Now);

        Assert.Equal([("old", "a")], expired);
        Assert.Equal(1, slots.ActiveOf("a"));
        Assert.True(slots.Renew("new", Now.AddMinutes(2)));
        Assert.False(slots.Renew("old", Now.AddMinutes(2)));
    }

    [Fact]
    public void A_replica_leaving_takes_its_slots_with_it_and_a_cut_over_frees_all()
    {
        var slots = new SlotReservations();
        slots.Reserve("a", "p1", Now);
        slots.Reserve("b", "p2", Now);
        slots.Reserve("b", "p3", Now);

        slots.ForgetReplica("a");
        Assert.False(slots.Holds("p1", "a"));
        Assert.Equal(2, slots.ReleaseAll());
        Assert.Equal(0, slots.ActiveOf("b"));
    }
}
