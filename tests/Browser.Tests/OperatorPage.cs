using OpenQA.Selenium;

namespace City.Browser.Tests;

/// <summary>
/// The operator page as the tests see it: its DOM contract (every element by <c>data-testid</c>), signing in and out, and
/// waits that poll the DOM (<see cref="Until"/>) instead of sleeping.
/// </summary>
internal sealed class OperatorPage(HeadlessChromium browser, Uri pageUri)
{
    public HeadlessChromium Browser => browser;

    /// <summary>Opens the page signed out (storage cleared) and signs in; returns once the page shows <paramref name="expectedRole"/>.</summary>
    public async Task SignInAsync(string token, string expectedRole)
    {
        await OpenSignedOutAsync();
        Type(token);
        await Until.TrueAsync(() => Probe(() => Text("role") == expectedRole), $"the page showing role '{expectedRole}' after sign-in");
    }

    /// <summary>Opens the page with nothing remembered and waits for the token input.</summary>
    public async Task OpenSignedOutAsync()
    {
        // The storage is cleared from another document of the same origin (central's /healthz): on the page itself, a
        // sign-in with the remembered token could still be under way and store the token again.
        browser.Driver.Navigate().GoToUrl(new Uri(pageUri, "/healthz"));
        browser.Script("window.localStorage.clear(); window.sessionStorage.clear();");
        browser.Driver.Navigate().GoToUrl(pageUri);
        await Until.TrueAsync(() => Probe(() => browser.OneByTestId("token") is { Displayed: true }), "the token input of a signed-out page");
    }

    /// <summary>Types a token and presses sign-in.</summary>
    public void Type(string token)
    {
        var input = browser.OneByTestId("token")!;
        input.Clear();
        input.SendKeys(token);
        browser.OneByTestId("signin")!.Click();
    }

    public Task LiveAsync() =>
        Until.TrueAsync(() => Probe(() => Text("stream-state") == "live"), "stream-state 'live' (the page connected to /api/v1/stream)");

    public IWebElement? Cabinet(string gateway) => browser.OneByTestId("cabinet", $"[data-gateway='{gateway}']");

    public IWebElement? Lamp(string gateway, string lampId) => browser.OneByTestId("lamp", $"[data-gateway='{gateway}'][data-lamp='{lampId}']");

    public string? LampState(string gateway, string lampId) => Lamp(gateway, lampId)?.GetDomAttribute("data-state");

    public IReadOnlyList<IWebElement> Lamps(string gateway) => browser.ByTestId("lamp", $"[data-gateway='{gateway}']");

    public IReadOnlyList<IWebElement> AlarmRows(string gateway, string kind) =>
        browser.Driver.FindElements(By.CssSelector($"[data-testid='alarms'] [data-testid='alarm'][data-gateway='{gateway}'][data-kind='{kind}']"));

    /// <summary>Clicks the cabinet on the map and waits for its panel.</summary>
    public async Task<IWebElement> OpenPanelAsync(string gateway)
    {
        await Until.TrueAsync(() => Probe(() => Cabinet(gateway) is not null), $"cabinet {gateway} on the map");
        Cabinet(gateway)!.Click();
        IWebElement? panel = null;
        await Until.TrueAsync(() => Probe(() => (panel = browser.OneByTestId("cabinet-panel", $"[data-gateway='{gateway}']")) is { Displayed: true }),
            $"the cabinet panel of {gateway}");
        return panel!;
    }

    /// <summary>Picks the option of a select by its value (a click on the option, as a user would choose it).</summary>
    public void Choose(string selectTestId, string value)
    {
        var select = browser.OneByTestId(selectTestId) ?? throw new InvalidOperationException($"no [data-testid={selectTestId}] on the page");
        var options = select.FindElements(By.TagName("option"));
        var option = options.FirstOrDefault(o => o.GetDomProperty("value") == value)
            ?? throw new InvalidOperationException($"{selectTestId} has no option '{value}' (it has: {string.Join(", ", options.Select(o => o.GetDomProperty("value")))})");
        option.Click();
    }

    /// <summary>The visible text of the first element with this test id, trimmed; null when there is none.</summary>
    public string? Text(string testId) => browser.OneByTestId(testId)?.Text.Trim();

    /// <summary>
    /// The SEVERE entries of the browser console since the last call, less those <paramref name="allowed"/> says are
    /// expected, as text for an assertion message.
    /// </summary>
    public IReadOnlyList<string> ConsoleErrors(Func<LogEntry, bool>? allowed = null) =>
        [.. browser.SevereConsoleEntries().Where(e => allowed is null || !allowed(e)).Select(e => $"{e.Timestamp:O} {e.Message}")];

    /// <summary>A DOM probe for <see cref="Until"/>: an element replaced while it was read counts as "not yet".</summary>
    public static bool Probe(Func<bool> condition)
    {
        try
        {
            return condition();
        }
        catch (StaleElementReferenceException)
        {
            return false;
        }
    }
}
