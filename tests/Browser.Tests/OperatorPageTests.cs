using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace City.Browser.Tests;

/// <summary>
/// Issue 16's page in a real browser against real processes (<see cref="OperatorPageRig"/>: central, an edge with a
/// simulated DALI line, headless chromium): signing in, the map, a lamp failure arriving live, a dim from the page reaching
/// the simulated lamps, a viewer without command controls. Every test ends with the browser console free of errors.
/// </summary>
public sealed class OperatorPageTests : IClassFixture<OperatorPageRig>
{
    private const string Gateway = OperatorPageRig.GatewayId;
    private static readonly string[] FinalCommandStates = ["done", "failed", "rejected", "expired"];
    private readonly OperatorPageRig _rig;
    private readonly OperatorPage _page;

    public OperatorPageTests(OperatorPageRig rig, ITestOutputHelper output)
    {
        _rig = rig;
        _rig.Attach(output);
        _page = new OperatorPage(rig.Browser, rig.PageUri);
        // What an earlier test left in the console is that test's business.
        _ = rig.Browser.SevereConsoleEntries();
    }

    [Fact]
    public async Task An_operator_signs_in_and_the_map_shows_the_cabinet_and_its_lamps()
    {
        await _page.SignInAsync(_rig.OperatorToken, "operator");
        Assert.NotNull(_page.Browser.OneByTestId("map"));
        Assert.NotNull(_page.Browser.OneByTestId("signout"));
        await Until.TrueAsync(() => OperatorPage.Probe(() => _page.Cabinet(Gateway)?.GetDomAttribute("data-state") is "online" or "alarm"),
            $"cabinet {Gateway} on the map, online");
        await Until.TrueAsync(() => OperatorPage.Probe(() => _page.Lamps(Gateway).Count == OperatorPageRig.GearCount),
            $"the {OperatorPageRig.GearCount} lamps of {Gateway} on the map");
        var lamps = _page.Lamps(Gateway).Select(l => l.GetDomAttribute("data-lamp")).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, OperatorPageRig.GearCount).Select(OperatorPageRig.LampId).Order(StringComparer.Ordinal), lamps);
        // The lamps have reported their levels: none is left without a state from central.
        await Until.TrueAsync(() => OperatorPage.Probe(() => _page.Lamps(Gateway).All(l => l.GetDomAttribute("data-state") is "on" or "dimmed" or "failed")),
            "every lamp on, dimmed or failed");
        await _page.LiveAsync();
        AssertNoConsoleErrors(_page.ConsoleErrors());
    }

    [Fact]
    public async Task A_refused_token_shows_the_sign_in_error_and_no_role()
    {
        await _page.OpenSignedOutAsync();
        _page.Type("cityapi_not-a-token-of-this-central");
        await Until.TrueAsync(() => OperatorPage.Probe(() => _page.Browser.OneByTestId("signin-error") is { Displayed: true }), "signin-error shown");
        Assert.True(string.IsNullOrEmpty(_page.Text("role")), $"role shows '{_page.Text("role")}' for a refused token");
        Assert.Empty(_page.Browser.ByTestId("cabinet"));
        // Chromium itself logs the refused request ("Failed to load resource: ... 401"); the page must log nothing else.
        AssertNoConsoleErrors(_page.ConsoleErrors(e => e.Message.Contains("401", StringComparison.Ordinal) && e.Message.Contains("Failed to load resource", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_lamp_failure_shows_on_the_map_and_in_the_alarm_list_without_a_reload()
    {
        const int failing = 2;
        var lamp = OperatorPageRig.LampId(failing);
        await _page.SignInAsync(_rig.OperatorToken, "operator");
        await _page.LiveAsync();
        await Until.TrueAsync(() => OperatorPage.Probe(() => _page.LampState(Gateway, lamp) == "on"), $"lamp {lamp} on before the failure");
        Assert.Empty(_page.AlarmRows(Gateway, "lamp-failure"));
        // A mark in the page's window: a reload would lose it.
        _page.Browser.Script("window.__browserTestMark = 'same page';");

        await _rig.InjectAsync($"lamp fail {failing}");
        try
        {
            await Until.TrueAsync(() => OperatorPage.Probe(() => _page.LampState(Gateway, lamp) == "failed"), $"lamp {lamp} data-state 'failed' on the map");
            await Until.TrueAsync(() => OperatorPage.Probe(() => _page.AlarmRows(Gateway, "lamp-failure").Count > 0), $"a lamp-failure row of {Gateway} in the alarm list");
            Assert.Equal("same page", _page.Browser.Script("return window.__browserTestMark;"));
            var row = _page.AlarmRows(Gateway, "lamp-failure")[0];
            Assert.Equal("false", row.GetDomAttribute("data-acked"));
            Assert.Contains(row.GetDomAttribute("data-severity"), new[] { "critical", "major", "minor" });
            Assert.Equal(OperatorPageRig.GearCount - 1, _page.Lamps(Gateway).Count(l => l.GetDomAttribute("data-state") != "failed"));
        }
        finally
        {
            await _rig.InjectAsync($"lamp ok {failing}");
        }

        AssertNoConsoleErrors(_page.ConsoleErrors());
    }

    [Fact]
    public async Task An_operator_dims_a_group_from_the_cabinet_panel_and_the_simulated_lamps_follow()
    {
        const int group = 1;
        var members = Enumerable.Range(0, OperatorPageRig.GearCount).Where(a => OperatorPageRig.GroupOf(a) == group).ToList();
        var others = Enumerable.Range(0, OperatorPageRig.GearCount).Except(members).ToList();
        var before = await _rig.SimulatedLevelsAsync();
        Assert.All(members, a => Assert.Equal(254, before[a]));

        await _page.SignInAsync(_rig.OperatorToken, "operator");
        var panel = await _page.OpenPanelAsync(Gateway);
        Assert.NotNull(_page.Browser.OneByTestId("command-controls"));
        _page.Choose("command-target", $"group:{group}");
        _page.Choose("command-action", "dim");
        var level = _page.Browser.OneByTestId("command-level")!;
        level.Clear();
        level.SendKeys("30");
        _page.Browser.OneByTestId("command-send")!.Click();

        string? status = null;
        await Until.TrueAsync(() => OperatorPage.Probe(() => (status = _page.Text("command-status")) is { } s && FinalCommandStates.Any(f => s.EndsWith(f, StringComparison.Ordinal))),
            "command-status ending in a final state");
        Assert.True(status!.EndsWith("done", StringComparison.Ordinal), $"command-status: '{status}'");
        Assert.True(panel.Displayed);

        // The simulated gear of the group went to a lower level, the same for all; the other group stayed as it was.
        IReadOnlyDictionary<int, int> after = before;
        await Until.TrueAsync(async () =>
        {
            after = await _rig.SimulatedLevelsAsync();
            return members.All(a => after[a] is > 0 and < 254 && after[a] == after[members[0]]);
        }, $"the simulated lamps of group {group} dimmed");
        Assert.All(others, a => Assert.Equal(before[a], after[a]));

        // Central heard it back from the edge: the lamps' level points.
        var dimmed = after[members[0]];
        await Until.TrueAsync(async () =>
        {
            var latest = await CentralPoints.LatestAsync(_rig.City);
            return members.All(a => CentralPoints.NumberOf(latest, OperatorPageRig.LampId(a) + ".level") == dimmed);
        }, $"level {dimmed} of group {group}'s lamps at central");

        // The command central logged is the operator's, issued from the page.
        var commands = (await _rig.City.GetJsonAsync($"/api/v1/commands?gateway={Gateway}"))["commands"]!.AsArray();
        Assert.True(
            commands.Any(c => (string?)c!["issuer"] == "control-room" && (string?)c["action"]?["line"] == OperatorPageRig.Line
                && (int?)c["action"]?["group"] == group && (int?)c["action"]?["levelPercent"] == 30
                && c["gateways"]!.AsArray().All(g => (string?)g!["status"] == "done")),
            $"no command of control-room for group {group} at 30 % done at central: {commands.ToJsonString()}");
        AssertNoConsoleErrors(_page.ConsoleErrors());
    }

    [Fact]
    public async Task A_viewer_opens_a_cabinet_panel_and_has_no_command_controls()
    {
        await _page.SignInAsync(_rig.ViewerToken, "viewer");
        await _page.OpenPanelAsync(Gateway);
        await Until.TrueAsync(() => OperatorPage.Probe(() => _page.Browser.ByTestId("panel-point").Count > 0), "the panel's points");
        Assert.Empty(_page.Browser.ByTestId("command-controls"));
        Assert.Empty(_page.Browser.ByTestId("command-send"));
        Assert.Empty(_page.Browser.ByTestId("ack"));
        AssertNoConsoleErrors(_page.ConsoleErrors());
    }

    private static void AssertNoConsoleErrors(IReadOnlyList<string> errors) =>
        Assert.True(errors.Count == 0, $"the browser console has {errors.Count} error(s):\n{string.Join('\n', errors)}");
}
