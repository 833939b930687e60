using ControlPlane.Grains.Accelerators;
using ControlPlane.Grains.Idempotency;

namespace ControlPlane.Grains.Tests;

public sealed class RequestLedgerTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 8, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_repeat_gets_the_first_outcome_and_another_request_under_the_same_id_is_told_apart()
    {
        var ledger = new RequestLedger();
        ledger.Remember("r-1", "cordon a", AcceleratorRefusal.IllegalTransition, "already cordoned", Start);

        var repeat = ledger.Check<AcceleratorRefusal>("r-1", "cordon a", Start.AddMinutes(1));
        var reused = ledger.Check<AcceleratorRefusal>("r-1", "drain a", Start.AddMinutes(1));
        var fresh = ledger.Check<AcceleratorRefusal>("r-2", "cordon a", Start.AddMinutes(1));
        var noId = ledger.Check<AcceleratorRefusal>("", "cordon a", Start.AddMinutes(1));

        Assert.Equal(new LedgerAnswer<AcceleratorRefusal>(LedgerVerdict.Repeat, AcceleratorRefusal.IllegalTransition, "already cordoned"), repeat);
        Assert.Equal(LedgerVerdict.IdReused, reused.Verdict);
        Assert.Equal(LedgerVerdict.New, fresh.Verdict);
        Assert.Equal(LedgerVerdict.New, noId.Verdict);
    }

    [Fact]
    public void Remembering_a_request_again_replaces_its_answer_and_a_forgotten_one_is_new_again()
    {
        var ledger = new RequestLedger();
        ledger.Remember("r-1", "create d", AcceleratorRefusal.None, "", Start);
        ledger.Remember("r-1", "create d", AcceleratorRefusal.IllegalTransition, "refused", Start);
        ledger.Remember("r-2", "create e", AcceleratorRefusal.None, "", Start);

        ledger.Forget("r-2");

        Assert.Single(ledger.Entries, e => e.RequestId == "r-1");
        Assert.Equal(AcceleratorRefusal.IllegalTransition, ledger.Check<AcceleratorRefusal>("r-1", "create d", Start).Outcome);
        Assert.Equal(LedgerVerdict.New, ledger.Check<AcceleratorRefusal>("r-2", "create e", Start).Verdict);
    }

    [Fact]
    public void It_keeps_the_newest_requests_up_to_its_capacity()
    {
        var ledger = new RequestLedger();
        for (var i = 0; i < RequestLedger.Capacity + 10; i++)
        {
            ledger.Remember($"r-{i}", "x", AcceleratorRefusal.None, "", Start.AddSeconds(i));
        }

        Assert.Equal(RequestLedger.Capacity, ledger.Entries.Count);
        Assert.Equal(LedgerVerdict.New, ledger.Check<AcceleratorRefusal>("r-9", "x", Start.AddMinutes(5)).Verdict);
        Assert.Equal(LedgerVerdict.Repeat, ledger.Check<AcceleratorRefusal>("r-10", "x", Start.AddMinutes(5)).Verdict);
    }

    [Fact]
    public void A_request_is_forgotten_after_the_retention_and_expired_entries_are_dropped()
    {
        var ledger = new RequestLedger();
        ledger.Remember("old", "x", AcceleratorRefusal.None, "", Start);

        var justBefore = ledger.Check<AcceleratorRefusal>("old", "x", Start + RequestLedger.Retention - TimeSpan.FromSeconds(1));
        var after = ledger.Check<AcceleratorRefusal>("old", "x", Start + RequestLedger.Retention);
        ledger.Remember("new", "x", AcceleratorRefusal.None, "", Start + RequestLedger.Retention);

        Assert.Equal(LedgerVerdict.Repeat, justBefore.Verdict);
        Assert.Equal(LedgerVerdict.New, after.Verdict);
        Assert.Equal(["new"], ledger.Entries.Select(e => e.RequestId));
    }
}
