using City.Contract;
using City.Edge.Devices;
using City.Edge.Reload;

namespace City.Edge.Tests;

/// <summary>
/// The decisions of a configuration change, without processes: the trial's verdict on a fake clock, the merge of a pushed
/// document, the refusal of what cannot change at run time and of what the start's validator refuses, and the history.
/// </summary>
public sealed class ConfigReloadTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 5, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Trial_WaitsThroughTheGracePeriodAndRollsBackWhenNoDeviceAnsweredWhileThePreviousOneHadSome()
    {
        var trial = new ConfigTrial(T0, TimeSpan.FromSeconds(30), previousHadAnswers: true);
        Assert.Equal(TrialDecision.Wait, trial.Decide(T0, enabledDevices: 3, answeringDevices: 0));
        Assert.Equal(TrialDecision.Wait, trial.Decide(T0.AddSeconds(29.9), 3, 0));
        Assert.Equal(TrialDecision.RollBack, trial.Decide(T0.AddSeconds(30), 3, 0));
        Assert.Equal(TrialDecision.Keep, trial.Decide(T0.AddSeconds(12), 3, 1));
    }

    [Fact]
    public void Trial_KeepsAtOnceWhenThePreviousOneHadNoAnswersOrNoDeviceIsEnabled()
    {
        Assert.Equal(TrialDecision.Keep, new ConfigTrial(T0, TimeSpan.FromSeconds(30), previousHadAnswers: false).Decide(T0.AddHours(1), 3, 0));
        Assert.Equal(TrialDecision.Keep, new ConfigTrial(T0, TimeSpan.FromSeconds(30), previousHadAnswers: true).Decide(T0, 0, 0));
    }

    [Fact]
    public void PushedDocument_ReplacesTheSectionsItNamesWholeAndKeepsTheOthers()
    {
        var running = ConfigDocument.From(TestConfig.Valid());
        var pushed = ConfigDocument.Parse("""{"Edge": {"Devices": [{"Name": "meter2", "Host": "10.0.0.9", "Points": [{"Name": "voltage", "Register": 0, "Table": "input", "DataType": "float32"}]}]}}""");
        var merged = running.With(pushed);

        Assert.Equal("meter2", merged.Values["Edge:Devices:0:Name"]);
        Assert.False(merged.Values.ContainsKey("Edge:Devices:0:Points:1:Name")); // the old device's second point is not merged in
        Assert.Equal("gw-001", merged.Values["Edge:GatewayId"]);
        Assert.Equal(merged.Digest, ConfigDocument.Parse(merged.Json).Digest); // the stored JSON loads back to the same document
        Assert.Equal(EdgeConfigVersion.Of(merged.Json), merged.Digest);
    }

    [Fact]
    public void Candidate_ThatChangesTheBufferOrTheGatewayId_IsNotPermitted_AndAnInvalidOne_IsRefusedWithTheStartsMessages()
    {
        var running = ConfigDocument.From(TestConfig.Valid());
        var moved = running.With(ConfigDocument.Parse("""{"Edge": {"Buffer": {"Path": "/elsewhere/buffer.db"}, "GatewayId": "gw-002"}}"""));
        var refusal = ConfigCandidates.Check(running, moved, EdgeProtocols.All, out _);
        Assert.Equal(CommandRejections.NotPermitted, refusal?.Reason);
        Assert.Contains(refusal!.Problems, p => p.StartsWith("Edge:Buffer:", StringComparison.Ordinal));
        Assert.Contains(refusal.Problems, p => p.StartsWith("Edge:GatewayId:", StringComparison.Ordinal));

        var invalid = running.With(ConfigDocument.Parse("""{"Edge": {"Devices": [{"Name": "x", "Protocol": "carrier-pigeon"}]}}"""));
        var invalidRefusal = ConfigCandidates.Check(running, invalid, EdgeProtocols.All, out _);
        Assert.Equal(CommandRejections.InvalidConfig, invalidRefusal?.Reason);
        Assert.Contains(invalidRefusal!.Problems, p => p.Contains("carrier-pigeon", StringComparison.Ordinal));

        var faster = running.With(ConfigDocument.Parse("""{"Edge": {"Reload": {"GracePeriodSeconds": 5}}}"""));
        Assert.Null(ConfigCandidates.Check(running, faster, EdgeProtocols.All, out var settings));
        Assert.Equal(5, settings!.Options.Reload.GracePeriodSeconds);
    }

    [Fact]
    public void History_NumbersVersions_KeepsTheirDocumentsAndOutcomes_AndForgetsTheOldest()
    {
        using var dir = new TempDir();
        var history = new ConfigHistory(dir.Path);
        var document = ConfigDocument.From(TestConfig.Valid());
        var first = history.Add(document.Digest, ConfigSources.File, T0, ConfigOutcomes.Applied, "read at start", null, document);
        var second = history.Add("0123456789abcdef", ConfigSources.Central, T0.AddMinutes(1), ConfigOutcomes.Trial, null, "cmd-1", document);
        history.Update(second.Number, ConfigOutcomes.RolledBack, "no device answered");

        var reread = new ConfigHistory(dir.Path).Entries();
        Assert.Equal([(1, ConfigOutcomes.Applied), (2, ConfigOutcomes.RolledBack)], reread.Select(e => (e.Number, e.Outcome)));
        Assert.Equal(document.Json, File.ReadAllText(Path.Combine(dir.Path, first.File!)));

        for (var i = 0; i < ConfigHistory.Capacity; i++)
        {
            history.Add("v", ConfigSources.File, T0, ConfigOutcomes.Refused, null, null, document);
        }

        Assert.Equal(ConfigHistory.Capacity, history.Entries().Count);
        Assert.False(File.Exists(Path.Combine(dir.Path, first.File!)));
    }

    [Fact]
    public void Start_AfterATrialTheProcessDidNotLiveToDecide_MarksItRolledBackAndReportsItsCommandFailed()
    {
        using var dir = new TempDir();
        var history = new ConfigHistory(dir.Path);
        var files = ConfigDocument.From(TestConfig.Valid());
        history.Add(files.Digest, ConfigSources.File, T0, ConfigOutcomes.Applied, "read at start", null, files);
        var pushed = files.With(ConfigDocument.Parse("""{"Edge": {"Reload": {"GracePeriodSeconds": 5}}}"""));
        history.Add(pushed.Digest, ConfigSources.Central, T0.AddMinutes(1), ConfigOutcomes.Trial, null, "cmd-7", pushed);

        var reported = new List<(string Id, string Detail)>();
        var (ok, settings, errors) = TestConfig.Load(TestConfig.Valid());
        Assert.True(ok, string.Join("\n", errors));
        var start = EdgeReloader.Start(history, EdgeProtocols.All, files, settings, TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, (id, detail) => reported.Add((id, detail)));

        Assert.Equal((1, files.Digest), (start.Number, start.Version)); // the files' version, already in the history
        Assert.Equal(ConfigOutcomes.RolledBack, history.Entries()[1].Outcome);
        Assert.Equal("cmd-7", Assert.Single(reported).Id);
        Assert.StartsWith($"rolled back to {files.Digest}", reported[0].Detail, StringComparison.Ordinal);
    }
}
