using System.ComponentModel;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace City.Central.Api;

/// <summary>
/// The one error shape of the API, for every 4xx and 5xx: the members of an RFC 9457 problem (type, title, status, detail),
/// <c>error</c> (the same text as detail, the member clients of earlier versions read) and <c>errors</c> (every problem,
/// each naming its parameter or JSON path; one element when there is one). Served as application/json.
/// </summary>
[Description("An error: RFC 9457 problem members plus `error` (= detail) and `errors` (every problem, at least one).")]
internal sealed record ErrorResponse(
    [property: Description("Always about:blank: the status says what kind of problem it is.")] string Type,
    [property: Description("The HTTP status's reason phrase.")] string Title,
    [property: Description("The HTTP status code.")] int Status,
    [property: Description("What is wrong, naming the parameter, the path or the JSON member.")] string Detail,
    [property: Description("The same as detail.")] string Error,
    [property: Description("Every problem found (at least one).")] IReadOnlyList<string> Errors)
{
    public static ErrorResponse Of(int status, string message, IReadOnlyList<string>? errors = null) =>
        new("about:blank", ReasonPhrases.GetReasonPhrase(status), status, message, message, errors is { Count: > 0 } ? errors : [message]);
}

/// <summary>Results in the error shape, and the middleware that gives unhandled exceptions and body-less errors that shape.</summary>
internal static class ApiErrors
{
    public static IResult Problem(int status, string message, IReadOnlyList<string>? errors = null) =>
        Results.Json(ErrorResponse.Of(status, message, errors), statusCode: status);

    public static IResult BadRequest(string message) => Problem(StatusCodes.Status400BadRequest, message);

    /// <summary>Several problems of one request: <c>error</c> sums them up, <c>errors</c> lists each.</summary>
    public static IResult BadRequest(IReadOnlyList<string> problems) =>
        Problem(StatusCodes.Status400BadRequest, problems.Count == 1 ? problems[0] : $"{problems.Count} problems: {string.Join(" ", problems)}", problems);

    public static IResult NotFound(string message) => Problem(StatusCodes.Status404NotFound, message);

    /// <summary>
    /// Unhandled exceptions become a 500 in the error shape (the exception handler logs them), and errors without a body
    /// (an unknown path, a method not allowed, a request the framework could not bind) get one naming the request.
    /// </summary>
    public static WebApplication UseErrorShape(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            // Always logged with its stack trace (never swallowed), whoever answers.
            SuppressDiagnosticsCallback = _ => false,
            ExceptionHandler = context => context.Response.WriteAsJsonAsync(ErrorResponse.Of(
                StatusCodes.Status500InternalServerError,
                $"{context.Request.Method} {context.Request.Path}: an internal error ({context.Features.Get<IExceptionHandlerFeature>()?.Error.GetType().Name ?? "unknown"}); see central's log.")),
        });
        app.UseStatusCodePages(context =>
        {
            var http = context.HttpContext;
            var status = http.Response.StatusCode;
            var message = status switch
            {
                StatusCodes.Status404NotFound => $"{http.Request.Method} {http.Request.Path}: no such endpoint (see /openapi/v1.json).",
                StatusCodes.Status405MethodNotAllowed => $"{http.Request.Method} {http.Request.Path}: method not allowed (see /openapi/v1.json).",
                _ => $"{http.Request.Method} {http.Request.Path}: {ReasonPhrases.GetReasonPhrase(status)}.",
            };
            return http.Response.WriteAsJsonAsync(ErrorResponse.Of(status, message));
        });
        return app;
    }
}
