using System.Net;
using Microsoft.AspNetCore.Http;

namespace OpenMeet.Oidc.Pages;

/// <summary>The pages a person sees: plain HTML, readable on a phone, no JavaScript needed to work.</summary>
public static class Html
{
    public static IResult Page(string title, string body, int status = 200) => Results.Content($$"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{E(title)}} · OpenMeet</title>
        <style>
          body { font-family: system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1c1e21; }
          main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 1.5rem 1.75rem; border-radius: .75rem; box-shadow: 0 1px 4px #0002; }
          h1 { font-size: 1.35rem; margin-top: 0; }
          label { display: block; margin: .9rem 0 .3rem; font-weight: 600; }
          input { width: 100%; box-sizing: border-box; font-size: 1rem; padding: .6rem; border: 1px solid #bbb; border-radius: .4rem; }
          button, .button { display: inline-block; margin-top: 1.2rem; font-size: 1rem; padding: .65rem 1.2rem; border: 0; border-radius: .4rem; background: #3a5bd9; color: #fff; text-decoration: none; cursor: pointer; }
          .error { background: #fdecea; color: #8a1c10; padding: .6rem .8rem; border-radius: .4rem; }
          h2 { font-size: 1.05rem; margin: 0; }
          .hint { color: #555; font-size: .9rem; }
          p.hint { margin: .35rem 0 0; }
          .or { display: flex; align-items: center; gap: .75rem; color: #555; margin: 1.4rem 0 1rem; }
          .or::before, .or::after { content: ""; flex: 1; border-top: 1px solid #ccc; }
          ul.suggestions { padding-left: 1.2rem; }
          button.pick { margin: .15rem 0; padding: .2rem .5rem; background: #eef1fb; color: #1c1e21; border: 1px solid #c9d2f2; }
          @media (max-width: 30rem) { main { margin: 0; border-radius: 0; box-shadow: none; min-height: 100vh; } }
        </style>
        </head>
        <body><main>
        <h1>{{E(title)}}</h1>
        {{body}}
        </main></body>
        </html>
        """, "text/html; charset=utf-8", statusCode: status);

    public static IResult Error(string title, string message, int status = 400) =>
        Page(title, $"<p class=\"error\">{E(message)}</p>", status);

    public static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Hidden(string name, string? value) => $"<input type=\"hidden\" name=\"{E(name)}\" value=\"{E(value)}\">";
}
