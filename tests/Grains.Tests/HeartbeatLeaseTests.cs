using ControlPlane.Grains.Accelerators;

namespace ControlPlane.Grains.Tests;

/// <summary>The heartbeat lease: expires on time when checks run on time, and forgives a silo that stalled.</summary>
public class HeartbeatLeaseTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 24, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private static DateTimeOffset At(double seconds) => T0 + TimeSpan.FromSeconds(seconds);

    // On-time checks once a second from `first` to `last` seconds, none of which may find the lease expired.
    private static void CheckEachSecond(HeartbeatLease lease, int first, int last)
    {
        for (var s = first; s <= last; s++)
        {
            Assert.False(lease.HasExpired(At(s)), $"expired at {s}s");
        }
    }

    [Fact]
    public void With_checks_on_time_the_lease_expires_a_duration_after_the_last_heartbeat()
    {
        var lease = new HeartbeatLease(Duration, Interval);
        lease.Renew(At(0));

        CheckEachSecond(lease, 1, 14);

        Assert.True(lease.HasExpired(At(15)));
    }

    [Fact]
    public void A_check_that_ran_late_extends_the_lease_by_its_lateness_and_a_silent_node_is_still_found()
    {
        var lease = new HeartbeatLease(Duration, Interval);
        lease.Renew(At(0));
        CheckEachSecond(lease, 1, 5);

        // The silo stalls: the next check runs 15 s after the last instead of 1 s, past the lease.
        Assert.False(lease.HasExpired(At(20)));
        Assert.Equal(At(29), lease.ExpiresAt); // 15 + (15 - 1) of lateness

        CheckEachSecond(lease, 21, 28);
        Assert.True(lease.HasExpired(At(29)));
    }

    [Fact]
    public void Checks_late_every_time_still_find_a_silent_node_within_two_leases_of_its_last_heartbeat()
    {
        var lease = new HeartbeatLease(Duration, Interval);
        lease.Renew(At(0));

        // A silo so busy that every check runs 4 s late (5 s apart instead of 1 s).
        var t = 0;
        while (!lease.HasExpired(At(t += 5)))
        {
            Assert.True(t < 60, "the lease never expired");
        }

        Assert.InRange(t, 15, 30);
        Assert.Equal(At(30), lease.ExpiresAt);
    }

    [Fact]
    public void Jitter_within_one_interval_changes_nothing()
    {
        var lease = new HeartbeatLease(Duration, Interval);
        lease.Renew(At(0));
        var t = 0.0;
        while (t < 14)
        {
            t += 1.9; // 0.9 s late each time: under one interval
            Assert.False(lease.HasExpired(At(Math.Min(t, 14.9))));
        }

        Assert.Equal(At(15), lease.ExpiresAt);
        Assert.True(lease.HasExpired(At(15.5)));
    }

    [Fact]
    public void A_heartbeat_after_a_stall_renews_from_its_own_time()
    {
        var lease = new HeartbeatLease(Duration, Interval);
        lease.Renew(At(0));
        Assert.False(lease.HasExpired(At(1)));
        Assert.False(lease.HasExpired(At(20))); // stalled 19 s: extended by 18, capped at two leases (30)
        Assert.Equal(At(30), lease.ExpiresAt);

        lease.Renew(At(21));

        Assert.Equal(At(36), lease.ExpiresAt);
        Assert.False(lease.HasExpired(At(22)));
    }

    [Fact]
    public void Without_a_lease_nothing_expires()
    {
        var lease = new HeartbeatLease(Duration, Interval);
        Assert.False(lease.HasExpired(At(100)));

        lease.Renew(At(0));
        lease.Release();

        Assert.Null(lease.ExpiresAt);
        Assert.False(lease.HasExpired(At(1_000)));
    }
}
