<#--
  mock-oauth2-server's page layout (its templates/main.ftl, MIT licence), found first on the test
  classpath, less the one thing it fetches from the internet: a Google Fonts stylesheet. Its
  stylesheets fall back to Helvetica, Arial or sans-serif; the demo's login page then loads nothing
  from anywhere but the provider itself.
-->
<#macro mainLayout title="" description="">
    <!DOCTYPE html>
    <html lang="en">
    <head>
        <meta charset="utf-8">
        <title>${title} | ${description}</title>
        <meta name="description" content="">
        <meta name="author" content="">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style type="text/css">
            <#include "css/normalize.css">
        </style>
        <style type="text/css">
            <#include "css/skeleton.css">
        </style>
        <style type="text/css">
            <#include "css/custom.css">
        </style>
    </head>
    <body class="code-snippets-visible">
    <#nested />
    </body>
    </html>
</#macro>
